#include "keycloak/KeycloakError.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace ProxySmart {

QString KeycloakError::message() const
{
    QString text = operation.isEmpty() ? QStringLiteral("Keycloak operation failed")
                                       : operation + QStringLiteral(" failed");
    if (!keycloakMessage.isEmpty())
        text += QStringLiteral(": ") + keycloakMessage;
    if (httpStatus > 0)
        text += QStringLiteral(" (HTTP %1)").arg(httpStatus);
    return text;
}

QString KeycloakError::codeForStatus(int httpStatus)
{
    switch (httpStatus) {
    case 0:
        return QStringLiteral("network");
    case 400:
        return QStringLiteral("bad_request");
    case 401:
        return QStringLiteral("unauthorized");
    case 403:
        return QStringLiteral("forbidden");
    case 404:
        return QStringLiteral("not_found");
    case 409:
        return QStringLiteral("conflict");
    default:
        break;
    }
    if (httpStatus >= 500)
        return QStringLiteral("server_error");
    if (httpStatus >= 300 && httpStatus < 400)
        return QStringLiteral("unexpected_redirect");
    return QStringLiteral("http_error");
}

KeycloakError KeycloakError::fromResponse(const QString &operation, int httpStatus,
                                          const QByteArray &body, const QString &networkError)
{
    KeycloakError error;
    error.operation = operation;
    error.httpStatus = httpStatus;
    error.code = codeForStatus(httpStatus);
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    // Keycloak's admin API answers {"errorMessage": …} (sometimes "error" plus
    // "error_description"); the token endpoint answers OAuth errors.
    for (const auto key : {u"errorMessage", u"error_description", u"error"}) {
        const QJsonValue value = object.value(key);
        if (value.isString() && !value.toString().isEmpty()) {
            error.keycloakMessage = value.toString().left(500);
            break;
        }
    }
    // Keycloak's bare "HTTP 403 Forbidden" says nothing the status does not.
    if (error.keycloakMessage.startsWith(QStringLiteral("HTTP %1").arg(httpStatus))) {
        if (httpStatus == 403)
            error.keycloakMessage = QStringLiteral("the signed-in account lacks the role for this");
        else if (httpStatus == 404)
            error.keycloakMessage = QStringLiteral("not found");
        else if (httpStatus == 401)
            error.keycloakMessage = QStringLiteral("the sign-in is no longer accepted");
    }
    if (error.keycloakMessage.isEmpty() && httpStatus == 0)
        error.keycloakMessage = networkError.isEmpty()
            ? QStringLiteral("Keycloak did not answer")
            : QStringLiteral("Keycloak is unreachable (%1)").arg(networkError);
    if (error.keycloakMessage.isEmpty())
        error.keycloakMessage = QStringLiteral("Keycloak gave no reason");
    return error;
}

KeycloakError KeycloakError::make(const QString &operation, const QString &code,
                                  const QString &reason)
{
    KeycloakError error;
    error.operation = operation;
    error.code = code;
    error.keycloakMessage = reason;
    return error;
}

} // namespace ProxySmart
