#include "jose/JwkSet.h"

#include "jose/StrictJson.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace ProxySmart::Jose {

JwkSet::JwkSet(QList<Jwk> keys)
    : m_keys(std::move(keys))
{
    for (const Jwk &key : std::as_const(m_keys))
        m_thumbprints.insert(key.thumbprint());
}

Result<JwkSet> JwkSet::parse(QByteArrayView json)
{
    if (json.size() > maxBytes) {
        return Result<JwkSet>::failure(
            QStringLiteral("jwks.too_large"),
            QStringLiteral("The key set is larger than %1 bytes.").arg(maxBytes));
    }
    auto object = StrictJson::parseObject(json, QStringLiteral("jwks"));
    if (!object)
        return object.error();
    const QJsonValue keys = object->value(QLatin1String("keys"));
    if (!keys.isArray()) {
        return Result<JwkSet>::failure(QStringLiteral("jwks.no_keys_array"),
                                       QStringLiteral("The key set has no \"keys\" array."));
    }
    const QJsonArray array = keys.toArray();
    if (array.size() > maxKeys) {
        return Result<JwkSet>::failure(
            QStringLiteral("jwks.too_many_keys"),
            QStringLiteral("The key set holds more than %1 keys.").arg(maxKeys));
    }
    QList<Jwk> parsed;
    QStringList skipped;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonValue entry = array.at(i);
        if (!entry.isObject()) {
            skipped.append(QStringLiteral("#%1: jwk.invalid_member: not an object").arg(i));
            continue;
        }
        auto jwk = Jwk::fromJson(entry.toObject());
        if (!jwk) {
            skipped.append(
                QStringLiteral("#%1: %2: %3").arg(i).arg(jwk.error().code, jwk.error().message));
            continue;
        }
        parsed.append(std::move(jwk).value());
    }
    JwkSet set(std::move(parsed));
    set.m_skipped = std::move(skipped);
    return set;
}

QList<const Jwk *> JwkSet::candidates(const std::optional<QString> &keyId,
                                      JwsAlgorithm algorithm) const
{
    QList<const Jwk *> result;
    for (const Jwk &key : m_keys) {
        if (keyId && (!key.hasKeyId() || key.keyId() != *keyId))
            continue;
        if (key.isCompatibleWith(algorithm))
            result.append(&key);
    }
    if (!keyId && result.size() > 1)
        result.clear();
    return result;
}

bool JwkSet::containsKeyId(const QString &keyId) const
{
    for (const Jwk &key : m_keys) {
        if (key.hasKeyId() && key.keyId() == keyId)
            return true;
    }
    return false;
}

bool JwkSet::containsThumbprint(const QByteArray &thumbprint) const
{
    return m_thumbprints.contains(thumbprint);
}

QByteArray JwkSet::toJson() const
{
    QJsonArray array;
    for (const Jwk &key : m_keys)
        array.append(key.toJson());
    return QJsonDocument(QJsonObject {{QLatin1String("keys"), array}})
        .toJson(QJsonDocument::Compact);
}

} // namespace ProxySmart::Jose
