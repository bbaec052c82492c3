#include "keycloak/KeycloakTokens.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace ProxySmart {

Result<KeycloakTokens> KeycloakTokens::fromTokenResponse(const QByteArray &body, qint64 nowSecs)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return Result<KeycloakTokens>::failure(
            QStringLiteral("malformed_response"),
            QStringLiteral("the token endpoint's answer is not a JSON object"));
    const QJsonObject object = document.object();
    const QJsonValue access = object.value(u"access_token");
    if (!access.isString() || access.toString().isEmpty())
        return Result<KeycloakTokens>::failure(
            QStringLiteral("malformed_response"),
            QStringLiteral("the token endpoint's answer has no access_token"));
    const QJsonValue expiresIn = object.value(u"expires_in");
    if (!expiresIn.isDouble() || expiresIn.toDouble() <= 0 || expiresIn.toDouble() > 1e9)
        return Result<KeycloakTokens>::failure(
            QStringLiteral("malformed_response"),
            QStringLiteral("the token endpoint's answer has no valid expires_in"));
    const QJsonValue refresh = object.value(u"refresh_token");
    if (!refresh.isUndefined() && !refresh.isString())
        return Result<KeycloakTokens>::failure(
            QStringLiteral("malformed_response"),
            QStringLiteral("the token endpoint's refresh_token is not a string"));
    const QJsonValue refreshExpiresIn = object.value(u"refresh_expires_in");
    if (!refreshExpiresIn.isUndefined() && !refreshExpiresIn.isDouble())
        return Result<KeycloakTokens>::failure(
            QStringLiteral("malformed_response"),
            QStringLiteral("the token endpoint's refresh_expires_in is not a number"));

    KeycloakTokens tokens;
    tokens.accessToken = access.toString();
    tokens.accessLifetime = static_cast<qint64>(expiresIn.toDouble());
    tokens.accessExpiresAt = nowSecs + tokens.accessLifetime;
    tokens.refreshToken = refresh.toString();
    const qint64 refreshLifetime = static_cast<qint64>(refreshExpiresIn.toDouble());
    tokens.refreshExpiresAt = refreshLifetime > 0 ? nowSecs + refreshLifetime : 0;
    return tokens;
}

} // namespace ProxySmart
