#pragma once

#include "core/Result.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

namespace ProxySmart {

// An identity provider of the realm (single sign-on through another OIDC or
// SAML server). `config` holds Keycloak's provider settings as strings
// (OIDC: authorizationUrl, tokenUrl, clientId, clientSecret, …; SAML:
// singleSignOnServiceUrl, entityId, …).
struct IdentityProvider
{
    QString alias;
    QString displayName;
    QString providerId; // "oidc" or "saml"
    bool enabled = true;
    bool trustEmail = false;
    QJsonObject config;

    std::optional<Error> validate() const;
    void applyTo(QJsonObject &representation) const;
    static Result<IdentityProvider> fromRepresentation(const QJsonObject &representation);
    // For `--json` output; a clientSecret in config is shown as "**********".
    QJsonObject toJson() const;
};

// A mapper that turns what the identity provider asserts into user data
// (hardcoded-attribute-idp-mapper, oidc-user-attribute-idp-mapper,
// saml-user-attribute-idp-mapper, …).
struct IdentityProviderMapper
{
    QString id;
    QString name;
    QString identityProviderAlias;
    QString mapperType; // Keycloak's identityProviderMapper
    QJsonObject config;

    QJsonObject toRepresentation() const;
    static Result<IdentityProviderMapper> fromRepresentation(const QJsonObject &representation);
};

// The realm's token lifetimes (seconds) and refresh-token rotation.
struct RealmTokenSettings
{
    qint64 accessTokenLifespan = 300;
    qint64 ssoSessionIdleTimeout = 1800;
    qint64 ssoSessionMaxLifespan = 36000;
    qint64 offlineSessionIdleTimeout = 2592000;
    bool revokeRefreshToken = false; // rotation: each refresh token used once …
    qint64 refreshTokenMaxReuse = 0; // … or this many extra times

    std::optional<Error> validate() const;
    QJsonObject toRepresentation() const; // a partial RealmRepresentation
    static Result<RealmTokenSettings> fromRepresentation(const QJsonObject &representation);
};

} // namespace ProxySmart

Q_DECLARE_METATYPE(ProxySmart::IdentityProvider)
Q_DECLARE_METATYPE(ProxySmart::IdentityProviderMapper)
Q_DECLARE_METATYPE(ProxySmart::RealmTokenSettings)
