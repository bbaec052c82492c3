#include "keycloak/IdentityProvider.h"

#include "keycloak/RepresentationReader.h"

#include <QRegularExpression>

namespace ProxySmart {

std::optional<Error> IdentityProvider::validate() const
{
    static const QRegularExpression aliasPattern(
        QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"));
    if (!aliasPattern.match(alias).hasMatch())
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("the alias \"%1\" is not valid").arg(alias)};
    if (providerId != u"oidc" && providerId != u"saml")
        return Error {
            QStringLiteral("invalid_argument"),
            QStringLiteral("the provider type \"%1\" is not oidc or saml").arg(providerId)};
    for (auto it = config.begin(); it != config.end(); ++it) {
        if (!it.value().isString())
            return Error {QStringLiteral("invalid_argument"),
                          QStringLiteral("the setting \"%1\" is not a string").arg(it.key())};
    }
    return std::nullopt;
}

void IdentityProvider::applyTo(QJsonObject &representation) const
{
    representation.insert(u"alias", alias);
    representation.insert(u"displayName", displayName);
    representation.insert(u"providerId", providerId);
    representation.insert(u"enabled", enabled);
    representation.insert(u"trustEmail", trustEmail);
    QJsonObject merged = representation.value(u"config").toObject();
    for (auto it = config.begin(); it != config.end(); ++it)
        merged.insert(it.key(), it.value());
    representation.insert(u"config", merged);
}

Result<IdentityProvider> IdentityProvider::fromRepresentation(const QJsonObject &representation)
{
    RepresentationReader reader(representation, QStringLiteral("an identity provider"));
    IdentityProvider provider;
    provider.alias = reader.requiredString(u"alias");
    provider.providerId = reader.requiredString(u"providerId");
    provider.displayName = reader.string(u"displayName");
    provider.enabled = reader.boolean(u"enabled", true);
    provider.trustEmail = reader.boolean(u"trustEmail");
    provider.config = reader.object(u"config");
    if (!reader.ok())
        return reader.error();
    return provider;
}

QJsonObject IdentityProvider::toJson() const
{
    QJsonObject shownConfig = config;
    if (shownConfig.contains(u"clientSecret"))
        shownConfig.insert(u"clientSecret", QStringLiteral("**********"));
    return QJsonObject {
        {QStringLiteral("alias"), alias},           {QStringLiteral("displayName"), displayName},
        {QStringLiteral("type"), providerId},       {QStringLiteral("enabled"), enabled},
        {QStringLiteral("trustEmail"), trustEmail}, {QStringLiteral("config"), shownConfig},
    };
}

QJsonObject IdentityProviderMapper::toRepresentation() const
{
    QJsonObject representation {
        {QStringLiteral("name"), name},
        {QStringLiteral("identityProviderAlias"), identityProviderAlias},
        {QStringLiteral("identityProviderMapper"), mapperType},
        {QStringLiteral("config"), config},
    };
    if (!id.isEmpty())
        representation.insert(u"id", id);
    return representation;
}

Result<IdentityProviderMapper>
IdentityProviderMapper::fromRepresentation(const QJsonObject &representation)
{
    RepresentationReader reader(representation, QStringLiteral("an identity provider mapper"));
    IdentityProviderMapper mapper;
    mapper.id = reader.requiredString(u"id");
    mapper.name = reader.requiredString(u"name");
    mapper.identityProviderAlias = reader.string(u"identityProviderAlias");
    mapper.mapperType = reader.requiredString(u"identityProviderMapper");
    mapper.config = reader.object(u"config");
    if (!reader.ok())
        return reader.error();
    return mapper;
}

std::optional<Error> RealmTokenSettings::validate() const
{
    const auto outOfRange = [](qint64 value, qint64 low, qint64 high) {
        return value < low || value > high;
    };
    if (outOfRange(accessTokenLifespan, 30, 86400))
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("the access token lifespan must be 30 s to 1 day")};
    if (outOfRange(ssoSessionIdleTimeout, 60, 31536000)
        || outOfRange(ssoSessionMaxLifespan, 60, 31536000)
        || outOfRange(offlineSessionIdleTimeout, 60, 31536000))
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("session lifetimes must be 1 minute to 1 year")};
    if (ssoSessionIdleTimeout > ssoSessionMaxLifespan)
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("the session idle timeout exceeds the session's maximum")};
    if (outOfRange(refreshTokenMaxReuse, 0, 1000))
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("the refresh token reuse count must be 0 to 1000")};
    return std::nullopt;
}

QJsonObject RealmTokenSettings::toRepresentation() const
{
    return QJsonObject {
        {QStringLiteral("accessTokenLifespan"), accessTokenLifespan},
        {QStringLiteral("ssoSessionIdleTimeout"), ssoSessionIdleTimeout},
        {QStringLiteral("ssoSessionMaxLifespan"), ssoSessionMaxLifespan},
        {QStringLiteral("offlineSessionIdleTimeout"), offlineSessionIdleTimeout},
        {QStringLiteral("revokeRefreshToken"), revokeRefreshToken},
        {QStringLiteral("refreshTokenMaxReuse"), refreshTokenMaxReuse},
    };
}

Result<RealmTokenSettings> RealmTokenSettings::fromRepresentation(const QJsonObject &representation)
{
    RepresentationReader reader(representation, QStringLiteral("a realm"));
    RealmTokenSettings settings;
    settings.accessTokenLifespan = reader.integer(u"accessTokenLifespan", 300);
    settings.ssoSessionIdleTimeout = reader.integer(u"ssoSessionIdleTimeout", 1800);
    settings.ssoSessionMaxLifespan = reader.integer(u"ssoSessionMaxLifespan", 36000);
    settings.offlineSessionIdleTimeout = reader.integer(u"offlineSessionIdleTimeout", 2592000);
    settings.revokeRefreshToken = reader.boolean(u"revokeRefreshToken");
    settings.refreshTokenMaxReuse = reader.integer(u"refreshTokenMaxReuse");
    if (!reader.ok())
        return reader.error();
    return settings;
}

} // namespace ProxySmart
