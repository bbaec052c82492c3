#pragma once

#include "core/Clock.h"
#include "core/Result.h"
#include "jose/JwkSet.h"
#include "jose/SigningKey.h"

#include <QJsonObject>
#include <QList>

#include <mutex>
#include <optional>

namespace ProxySmart::Jose {

// Mints the gateway's own tokens and publishes the keys that verify them.
// One key signs at a time; rotate() makes a new key the signer and keeps the
// old one in the published JWKS until every token it signed has expired
// (tokens live at most maxTokenLifetimeSecs, which sign() enforces).
// Thread-safe.
class TokenSigner
{
public:
    explicit TokenSigner(const Clock &clock = Clock::system(), int maxTokenLifetimeSecs = 3600);

    // Makes key the signing key. The previous one, if any, still verifies
    // until now + maxTokenLifetimeSecs + retirementMarginSecs.
    void rotate(SigningKey key);

    bool hasKey() const;
    // The current signing key's id; empty without one.
    QString currentKeyId() const;

    // A compact JWS over claims with the current key; the header gets "alg",
    // "kid" and "typ" (default "JWT"). Claims must carry an "exp" no later than
    // now + maxTokenLifetimeSecs (sign.lifetime_exceeded, sign.exp_missing).
    Result<QByteArray> sign(const QJsonObject &claims,
                            const QString &type = QStringLiteral("JWT")) const;

    // The public keys that still verify: the current key and retired keys
    // whose tokens may not have expired yet. Drops the others.
    JwkSet publicKeys() const;
    QByteArray jwks() const { return publicKeys().toJson(); }

    static constexpr int retirementMarginSecs = 300;

private:
    struct RetiredKey
    {
        Jwk publicJwk;
        qint64 verifiesUntilSecs;
    };

    void pruneLocked(qint64 nowSecs) const;

    const Clock &m_clock;
    const int m_maxTokenLifetimeSecs;
    mutable std::mutex m_mutex;
    std::optional<SigningKey> m_current;
    mutable QList<RetiredKey> m_retired;
};

} // namespace ProxySmart::Jose
