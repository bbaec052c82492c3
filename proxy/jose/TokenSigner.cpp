#include "jose/TokenSigner.h"

#include "jose/Base64Url.h"
#include "jose/JoseLogging.h"
#include "jose/JwsCrypto.h"

#include <QJsonDocument>

#include <cmath>

namespace ProxySmart::Jose {

TokenSigner::TokenSigner(const Clock &clock, int maxTokenLifetimeSecs)
    : m_clock(clock)
    , m_maxTokenLifetimeSecs(maxTokenLifetimeSecs)
{ }

void TokenSigner::rotate(SigningKey key)
{
    std::lock_guard lock(m_mutex);
    const qint64 now = m_clock.nowSecs();
    if (m_current) {
        m_retired.append(RetiredKey {m_current->publicJwk(),
                                     now + m_maxTokenLifetimeSecs + retirementMarginSecs});
        qCInfo(lcJose) << "signing key" << m_current->keyId() << "retired; new signing key"
                       << key.keyId();
    } else {
        qCInfo(lcJose) << "signing key" << key.keyId() << "in use";
    }
    m_current = std::move(key);
    pruneLocked(now);
}

bool TokenSigner::hasKey() const
{
    std::lock_guard lock(m_mutex);
    return m_current.has_value();
}

QString TokenSigner::currentKeyId() const
{
    std::lock_guard lock(m_mutex);
    return m_current ? m_current->keyId() : QString();
}

Result<QByteArray> TokenSigner::sign(const QJsonObject &claims, const QString &type) const
{
    std::optional<SigningKey> key;
    {
        std::lock_guard lock(m_mutex);
        key = m_current;
    }
    if (!key) {
        return Result<QByteArray>::failure(QStringLiteral("sign.no_key"),
                                           QStringLiteral("No signing key is configured."));
    }
    const QJsonValue exp = claims.value(QLatin1String("exp"));
    if (!exp.isDouble() || !std::isfinite(exp.toDouble())) {
        return Result<QByteArray>::failure(QStringLiteral("sign.exp_missing"),
                                           QStringLiteral("Tokens are signed only with an "
                                                          "\"exp\" claim."));
    }
    if (exp.toDouble() > double(m_clock.nowSecs() + m_maxTokenLifetimeSecs)) {
        return Result<QByteArray>::failure(
            QStringLiteral("sign.lifetime_exceeded"),
            QStringLiteral("Tokens may live at most %1 seconds.").arg(m_maxTokenLifetimeSecs));
    }
    QJsonObject header {{QLatin1String("alg"), jwsAlgorithmName(key->algorithm())},
                        {QLatin1String("kid"), key->keyId()}};
    if (!type.isEmpty())
        header.insert(QLatin1String("typ"), type);
    const QByteArray signingInput =
        Base64Url::encode(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + Base64Url::encode(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    auto signature = JwsCrypto::sign(key->algorithm(), key->pkey(), signingInput);
    if (!signature)
        return signature.error();
    return signingInput + '.' + Base64Url::encode(signature.value());
}

JwkSet TokenSigner::publicKeys() const
{
    std::lock_guard lock(m_mutex);
    pruneLocked(m_clock.nowSecs());
    QList<Jwk> keys;
    if (m_current)
        keys.append(m_current->publicJwk());
    for (const RetiredKey &retired : std::as_const(m_retired))
        keys.append(retired.publicJwk);
    return JwkSet(std::move(keys));
}

void TokenSigner::pruneLocked(qint64 nowSecs) const
{
    m_retired.removeIf([nowSecs](const RetiredKey &key) {
        if (nowSecs < key.verifiesUntilSecs)
            return false;
        qCInfo(lcJose) << "retired signing key" << key.publicJwk.keyId() << "removed from the JWKS";
        return true;
    });
}

} // namespace ProxySmart::Jose
