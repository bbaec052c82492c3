#pragma once

#include "core/Result.h"

#include <QJsonObject>
#include <QMetaType>
#include <QStringList>

#include <optional>

namespace ProxySmart {

// A SMART app as a Keycloak client. The type decides the client's
// authentication and flows; PKCE S256 is forced for every app that uses the
// authorization code flow. `scopes` are the client's optional client scopes
// (SMART apps request their scopes explicitly).
struct SmartApp
{
    enum class Type {
        Public, // browser or native app, no secret
        Confidential, // client secret
        ConfidentialJwks, // private_key_jwt with a JWKS or JWKS URL
        Backend, // backend service: client_credentials with private_key_jwt
    };

    QString id; // Keycloak's internal id; empty before registering
    QString clientId;
    QString name;
    QString description;
    Type type = Type::Public;
    bool enabled = true;
    QStringList redirectUris;
    QString launchUrl;
    QString logoUrl;
    QString jwksUrl; // ConfidentialJwks / Backend: either this …
    QString jwks; // … or the key set itself (JSON text)
    QString signingAlgorithm; // token.endpoint.auth.signing.alg; RS384 by default
    QStringList scopes;
    QString secret; // set only right after registering or rotating; never logged

    static QString typeName(Type type);
    static std::optional<Type> typeFromName(QStringView name);

    // Why this app cannot be registered as it is, if it cannot.
    std::optional<Error> validate() const;
    // The ClientRepresentation for creating the client (scopes are assigned
    // separately).
    QJsonObject toRepresentation() const;
    // Overwrites the fields this type manages in an existing representation
    // and keeps everything else Keycloak stores.
    void applyTo(QJsonObject &representation) const;
    static Result<SmartApp> fromRepresentation(const QJsonObject &representation);
    // For `--json` output and the GUI; includes the secret only when set.
    QJsonObject toJson() const;
};

} // namespace ProxySmart

Q_DECLARE_METATYPE(ProxySmart::SmartApp)
