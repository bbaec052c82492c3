#pragma once

#include <QString>

namespace ProxySmart {

// How a KeycloakSession signs in. The secret fields are held in memory only
// for as long as the session lives and are never logged.
struct KeycloakCredentials
{
    enum class Kind {
        None, // no sign-in possible; only tokens handed over by setTokens()
        ClientCredentials, // a service-account client (client_credentials grant)
        Password, // an admin user through an admin client (password grant)
    };

    Kind kind = Kind::None;
    QString authRealm; // the realm that signs in: "master" for Keycloak's admins
    QString clientId;
    QString clientSecret; // empty for a public admin client such as admin-cli
    QString username;
    QString password;

    static KeycloakCredentials serviceAccount(QString authRealm, QString clientId,
                                              QString clientSecret)
    {
        KeycloakCredentials credentials;
        credentials.kind = Kind::ClientCredentials;
        credentials.authRealm = std::move(authRealm);
        credentials.clientId = std::move(clientId);
        credentials.clientSecret = std::move(clientSecret);
        return credentials;
    }

    static KeycloakCredentials adminUser(QString username, QString password,
                                         QString authRealm = QStringLiteral("master"),
                                         QString clientId = QStringLiteral("admin-cli"))
    {
        KeycloakCredentials credentials;
        credentials.kind = Kind::Password;
        credentials.authRealm = std::move(authRealm);
        credentials.clientId = std::move(clientId);
        credentials.username = std::move(username);
        credentials.password = std::move(password);
        return credentials;
    }

    // Who signs in, for messages: "client 'x'" or "user 'admin'"; no secret.
    QString principal() const
    {
        if (kind == Kind::ClientCredentials)
            return QStringLiteral("client '%1'").arg(clientId);
        if (kind == Kind::Password)
            return QStringLiteral("user '%1'").arg(username);
        return QStringLiteral("the browser sign-in");
    }
};

} // namespace ProxySmart
