#pragma once

#include "core/Result.h"
#include "jose/Jwk.h"

#include <QByteArrayView>
#include <QList>
#include <QSet>
#include <QStringList>

namespace ProxySmart::Jose {

// A JWK Set (RFC 7517 section 5): the public keys one issuer signs with.
// Entries this layer cannot use (encryption keys, unknown key types, keys
// that fail their checks) are skipped, as section 5 asks, and their reasons
// kept; the set itself is refused when its JSON is.
class JwkSet
{
public:
    static constexpr qsizetype maxBytes = 512 * 1024;
    static constexpr qsizetype maxKeys = 100;

    // Error codes: jwks.too_large, jwks.invalid_json, jwks.duplicate_key,
    // jwks.too_deep, jwks.not_object, jwks.no_keys_array, jwks.too_many_keys.
    static Result<JwkSet> parse(QByteArrayView json);

    JwkSet() = default;
    explicit JwkSet(QList<Jwk> keys);

    const QList<Jwk> &keys() const { return m_keys; }
    // One line per entry that was skipped, with its reason code.
    const QStringList &skipped() const { return m_skipped; }
    bool isEmpty() const { return m_keys.isEmpty(); }
    qsizetype size() const { return m_keys.size(); }

    // The keys that may check a signature made with algorithm by the key
    // named keyId. Without a kid, only a set with a single compatible key
    // answers (RFC 7515 leaves the choice open; guessing among several is
    // refused).
    QList<const Jwk *> candidates(const std::optional<QString> &keyId,
                                  JwsAlgorithm algorithm) const;
    bool containsKeyId(const QString &keyId) const;
    bool containsThumbprint(const QByteArray &thumbprint) const;

    // {"keys": [...]} with the public members only.
    QByteArray toJson() const;

private:
    QList<Jwk> m_keys;
    QStringList m_skipped;
    QSet<QByteArray> m_thumbprints;
};

} // namespace ProxySmart::Jose
