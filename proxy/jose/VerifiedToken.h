#pragma once

#include "jose/JwsAlgorithm.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace ProxySmart::Jose {

// What a verified token says, and what vouched for it. Holds the claims, never
// the token text. A cheap handle: copies share one immutable block, so a
// cache hit costs one reference count, whatever the number of claims.
class VerifiedToken
{
public:
    struct Data
    {
        QString issuer;
        QString subject;
        QJsonObject claims;
        QJsonObject header;
        JwsAlgorithm algorithm = JwsAlgorithm::RS256;
        QString keyId;
        // The RFC 7638 thumbprint of the key that verified the signature
        // ("hmac" for the issuer's shared secret).
        QByteArray keyThumbprint;
        // "exp" in seconds since the epoch; 0 when the token has none.
        qint64 expiresAt = 0;
    };

    VerifiedToken()
        : m_data(std::make_shared<const Data>())
    { }
    explicit VerifiedToken(Data data)
        : m_data(std::make_shared<const Data>(std::move(data)))
    { }

    const QString &issuer() const { return m_data->issuer; }
    const QString &subject() const { return m_data->subject; }
    const QJsonObject &claims() const { return m_data->claims; }
    const QJsonObject &header() const { return m_data->header; }
    JwsAlgorithm algorithm() const { return m_data->algorithm; }
    const QString &keyId() const { return m_data->keyId; }
    const QByteArray &keyThumbprint() const { return m_data->keyThumbprint; }
    qint64 expiresAt() const { return m_data->expiresAt; }

    // True when the answer came from the verified-token cache.
    bool fromCache() const { return m_fromCache; }
    VerifiedToken cachedCopy() const
    {
        VerifiedToken copy = *this;
        copy.m_fromCache = true;
        return copy;
    }

private:
    std::shared_ptr<const Data> m_data;
    bool m_fromCache = false;
};

} // namespace ProxySmart::Jose
