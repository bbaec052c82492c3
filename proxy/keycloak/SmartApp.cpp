#include "keycloak/SmartApp.h"

#include "keycloak/RepresentationReader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

namespace ProxySmart {

namespace {

const auto kLaunchUrlAttribute = QStringLiteral("smart.launch.url");
const auto kLogoAttribute = QStringLiteral("logoUri");
const auto kPkceAttribute = QStringLiteral("pkce.code.challenge.method");

Error invalid(const QString &message)
{
    return Error {QStringLiteral("invalid_argument"), message};
}

bool isAbsoluteUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && !url.scheme().isEmpty() && !url.isRelative();
}

bool isHttpUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"https" || url.scheme() == u"http")
        && !url.host().isEmpty();
}

bool usesKeys(SmartApp::Type type)
{
    return type == SmartApp::Type::ConfidentialJwks || type == SmartApp::Type::Backend;
}

} // namespace

QString SmartApp::typeName(Type type)
{
    switch (type) {
    case Type::Public:
        return QStringLiteral("public");
    case Type::Confidential:
        return QStringLiteral("confidential");
    case Type::ConfidentialJwks:
        return QStringLiteral("confidential-jwks");
    case Type::Backend:
        return QStringLiteral("backend");
    }
    return {};
}

std::optional<SmartApp::Type> SmartApp::typeFromName(QStringView name)
{
    for (Type type : {Type::Public, Type::Confidential, Type::ConfidentialJwks, Type::Backend}) {
        if (name == typeName(type))
            return type;
    }
    return std::nullopt;
}

std::optional<Error> SmartApp::validate() const
{
    static const QRegularExpression clientIdPattern(
        QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$"));
    if (!clientIdPattern.match(clientId).hasMatch())
        return invalid(QStringLiteral("the client id \"%1\" is not valid (letters, digits, "
                                      "'.', '_', ':', '-'; up to 255)")
                           .arg(clientId));
    if (type != Type::Backend && redirectUris.isEmpty())
        return invalid(
            QStringLiteral("a %1 app needs at least one redirect URI").arg(typeName(type)));
    if (type == Type::Backend && !redirectUris.isEmpty())
        return invalid(QStringLiteral("a backend service has no redirect URIs"));
    for (const QString &uri : redirectUris) {
        if (!isAbsoluteUrl(uri) || uri.contains(u'#'))
            return invalid(QStringLiteral("the redirect URI \"%1\" is not an absolute URL without "
                                          "a fragment")
                               .arg(uri));
    }
    if (!launchUrl.isEmpty() && !isHttpUrl(launchUrl))
        return invalid(
            QStringLiteral("the launch URL \"%1\" is not an http(s) URL").arg(launchUrl));
    if (!logoUrl.isEmpty() && !isHttpUrl(logoUrl))
        return invalid(QStringLiteral("the logo URL \"%1\" is not an http(s) URL").arg(logoUrl));
    if (usesKeys(type)) {
        if (jwksUrl.isEmpty() == jwks.isEmpty())
            return invalid(QStringLiteral("a %1 app needs either a JWKS URL or a JWKS, not both")
                               .arg(typeName(type)));
        if (!jwksUrl.isEmpty() && !isHttpUrl(jwksUrl))
            return invalid(
                QStringLiteral("the JWKS URL \"%1\" is not an http(s) URL").arg(jwksUrl));
        if (!jwks.isEmpty()) {
            const QJsonDocument document = QJsonDocument::fromJson(jwks.toUtf8());
            if (!document.isObject() || !document.object().value(u"keys").isArray()
                || document.object().value(u"keys").toArray().isEmpty())
                return invalid(QStringLiteral("the JWKS is not a JSON object with a non-empty "
                                              "\"keys\" list"));
        }
        if (!signingAlgorithm.isEmpty()
            && !QStringList {QStringLiteral("RS384"), QStringLiteral("ES384"),
                             QStringLiteral("RS256"), QStringLiteral("ES256")}
                    .contains(signingAlgorithm))
            return invalid(QStringLiteral("the signing algorithm \"%1\" is not one of RS384, "
                                          "ES384, RS256, ES256")
                               .arg(signingAlgorithm));
    } else if (!jwksUrl.isEmpty() || !jwks.isEmpty()) {
        return invalid(QStringLiteral("a %1 app has no JWKS").arg(typeName(type)));
    }
    for (const QString &scope : scopes) {
        if (scope.isEmpty() || scope.contains(u' '))
            return invalid(QStringLiteral("the scope \"%1\" is not a scope name").arg(scope));
    }
    return std::nullopt;
}

QJsonObject SmartApp::toRepresentation() const
{
    QJsonObject representation;
    applyTo(representation);
    return representation;
}

void SmartApp::applyTo(QJsonObject &representation) const
{
    representation.insert(u"clientId", clientId);
    representation.insert(u"name", name);
    representation.insert(u"description", description);
    representation.insert(u"enabled", enabled);
    representation.insert(u"protocol", QStringLiteral("openid-connect"));
    representation.insert(u"publicClient", type == Type::Public);
    representation.insert(u"standardFlowEnabled", type != Type::Backend);
    representation.insert(u"implicitFlowEnabled", false);
    representation.insert(u"directAccessGrantsEnabled", false);
    representation.insert(u"serviceAccountsEnabled", type == Type::Backend);
    representation.insert(u"redirectUris", QJsonArray::fromStringList(redirectUris));
    if (type == Type::Confidential)
        representation.insert(u"clientAuthenticatorType", QStringLiteral("client-secret"));
    else if (usesKeys(type))
        representation.insert(u"clientAuthenticatorType", QStringLiteral("client-jwt"));
    if (type == Type::Public) {
        QJsonArray origins;
        for (const QString &uri : redirectUris) {
            const QUrl url(uri);
            if (url.scheme() == u"http" || url.scheme() == u"https")
                origins.append(url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery
                                            | QUrl::RemoveFragment | QUrl::RemoveUserInfo)
                                   .toString());
        }
        representation.insert(u"webOrigins", origins);
    }

    QJsonObject attributes = representation.value(u"attributes").toObject();
    attributes.insert(kPkceAttribute, type == Type::Backend ? QString() : QStringLiteral("S256"));
    attributes.insert(kLaunchUrlAttribute, launchUrl);
    attributes.insert(kLogoAttribute, logoUrl);
    if (usesKeys(type)) {
        attributes.insert(u"use.jwks.url",
                          jwksUrl.isEmpty() ? QStringLiteral("false") : QStringLiteral("true"));
        attributes.insert(u"jwks.url", jwksUrl);
        attributes.insert(u"use.jwks.string",
                          jwks.isEmpty() ? QStringLiteral("false") : QStringLiteral("true"));
        attributes.insert(u"jwks.string", jwks);
        attributes.insert(u"token.endpoint.auth.signing.alg",
                          signingAlgorithm.isEmpty() ? QStringLiteral("RS384") : signingAlgorithm);
    }
    representation.insert(u"attributes", attributes);
}

Result<SmartApp> SmartApp::fromRepresentation(const QJsonObject &representation)
{
    RepresentationReader reader(representation, QStringLiteral("a client"));
    SmartApp app;
    app.id = reader.requiredString(u"id");
    app.clientId = reader.requiredString(u"clientId");
    app.name = reader.string(u"name");
    app.description = reader.string(u"description");
    app.enabled = reader.boolean(u"enabled", true);
    app.redirectUris = reader.stringList(u"redirectUris");
    const bool isPublic = reader.boolean(u"publicClient");
    const bool serviceAccounts = reader.boolean(u"serviceAccountsEnabled");
    const bool standardFlow = reader.boolean(u"standardFlowEnabled", true);
    const QString authenticator = reader.string(u"clientAuthenticatorType");
    app.launchUrl = reader.attribute(kLaunchUrlAttribute);
    app.logoUrl = reader.attribute(kLogoAttribute);
    if (isPublic)
        app.type = Type::Public;
    else if (serviceAccounts && !standardFlow)
        app.type = Type::Backend;
    else if (authenticator == u"client-jwt")
        app.type = Type::ConfidentialJwks;
    else
        app.type = Type::Confidential;
    if (usesKeys(app.type)) {
        if (reader.attribute(u"use.jwks.url") == u"true")
            app.jwksUrl = reader.attribute(u"jwks.url");
        else
            app.jwks = reader.attribute(u"jwks.string");
        app.signingAlgorithm = reader.attribute(u"token.endpoint.auth.signing.alg");
    }
    if (!reader.ok())
        return reader.error();
    return app;
}

QJsonObject SmartApp::toJson() const
{
    QJsonObject json {
        {QStringLiteral("id"), id},
        {QStringLiteral("clientId"), clientId},
        {QStringLiteral("name"), name},
        {QStringLiteral("type"), typeName(type)},
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("redirectUris"), QJsonArray::fromStringList(redirectUris)},
        {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
    };
    if (!description.isEmpty())
        json.insert(u"description", description);
    if (!launchUrl.isEmpty())
        json.insert(u"launchUrl", launchUrl);
    if (!logoUrl.isEmpty())
        json.insert(u"logoUrl", logoUrl);
    if (!jwksUrl.isEmpty())
        json.insert(u"jwksUrl", jwksUrl);
    if (!jwks.isEmpty())
        json.insert(u"jwks", QJsonDocument::fromJson(jwks.toUtf8()).object());
    if (!signingAlgorithm.isEmpty())
        json.insert(u"signingAlgorithm", signingAlgorithm);
    if (!secret.isEmpty())
        json.insert(u"secret", secret);
    return json;
}

} // namespace ProxySmart
