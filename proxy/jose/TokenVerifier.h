#pragma once

#include "core/Clock.h"
#include "core/Result.h"
#include "jose/JwkSet.h"
#include "jose/VerifiedToken.h"
#include "jose/VerifiedTokenCache.h"

#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QUrl>

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>

namespace ProxySmart::Jose {

// One issuer whose tokens are accepted.
struct IssuerConfig
{
    static constexpr int defaultLeewaySecs = 60;
    static constexpr int maxLeewaySecs = 300;
    static constexpr qsizetype minHmacSecretBytes = 32;

    // Compared exactly with the token's "iss".
    QString issuer;
    // Must be the token's "aud" or one of its entries.
    QString audience;
    // Where the issuer's JWKS is fetched (by JwksFetcher) …
    QUrl jwksUrl;
    // … and/or a key set given directly (JSON).
    QByteArray staticJwks;
    // Allowance for clock skew on exp, nbf and iat, 0 to maxLeewaySecs.
    int leewaySecs = defaultLeewaySecs;
    // When set, the header's "typ" must be this media type (compared without
    // case and with an optional "application/" prefix, RFC 7515 section 4.1.9).
    QString type;
    // Empty: every public-key algorithm, plus HS256/384/512 when a secret is
    // configured and long enough for them.
    QList<JwsAlgorithm> allowedAlgorithms;
    // A shared secret for HS256/384/512; without it, HMAC tokens are refused.
    QByteArray hmacSecret;
    // Tokens without "exp" are refused unless this is false.
    bool requireExpiry = true;
    // Allow an http:// JWKS URL on a host that is not loopback.
    bool allowInsecureJwksUrl = false;
};

struct TokenVerifierOptions
{
    // Tokens longer than this are refused before anything is parsed.
    qsizetype maxTokenBytes = 16 * 1024;
    qsizetype cacheCapacity = 10000;
    // A verified token is not trusted from the cache for longer than this,
    // whatever its expiry.
    int maxCacheSecs = 3600;
};

// Verifies JWS-signed JWTs from the configured issuers: the JWS structure and
// header (CompactJws), the issuer, algorithm, key and signature, then exp,
// nbf, iat, aud and typ. Every refusal carries a reason code.
//
// Thread-safe: verify() may run on any number of threads while key sets are
// replaced with setKeySet(). Verified tokens are cached by SHA-256 until they
// expire, so each token's signature is checked once; a cached token whose
// key has since left the issuer's key set is checked again (and refused).
// No network here: JwksFetcher keeps the key sets of URL-configured issuers.
class TokenVerifier
{
public:
    enum class CacheUse { Use, Bypass };

    // Checks the configuration (error codes config.jose.*).
    static Result<std::shared_ptr<TokenVerifier>> create(QList<IssuerConfig> issuers,
                                                         const Clock &clock = Clock::system(),
                                                         TokenVerifierOptions options = {});

    TokenVerifier(const TokenVerifier &) = delete;
    TokenVerifier &operator=(const TokenVerifier &) = delete;
    ~TokenVerifier();

    Result<VerifiedToken> verify(QByteArrayView token, CacheUse cacheUse = CacheUse::Use) const;

    // Replaces an issuer's key set; false for an unknown issuer.
    bool setKeySet(const QString &issuer, JwkSet keys);
    std::shared_ptr<const JwkSet> keySet(const QString &issuer) const;

    // Called, on the verifying thread, when a token names a "kid" that its
    // issuer's key set lacks: the key set may have rotated. The handler must
    // be thread-safe and quick (queue a refetch; JwksFetcher rate-limits).
    void setUnknownKeyHandler(std::function<void(const QString &issuer)> handler);

    const QList<IssuerConfig> &issuers() const { return m_configs; }
    const Clock &clock() const { return m_clock; }
    VerifiedTokenCache &cache() const { return m_cache; }

private:
    struct IssuerState;

    TokenVerifier(QList<IssuerConfig> configs, const Clock &clock, TokenVerifierOptions options);
    Result<VerifiedToken> verifyUncached(QByteArrayView token, qint64 nowMSecs) const;
    const IssuerState *stateFor(const QString &issuer) const;
    bool stillTrusts(const IssuerState &state, const QByteArray &thumbprint) const;
    void reportUnknownKey(const QString &issuer) const;

    QList<IssuerConfig> m_configs;
    const Clock &m_clock;
    TokenVerifierOptions m_options;
    std::vector<std::unique_ptr<IssuerState>> m_states;
    QHash<QString, IssuerState *> m_byIssuer;
    mutable VerifiedTokenCache m_cache;
    // Tells this verifier's per-thread memo apart from other verifiers'.
    const quint64 m_serial;
    mutable std::mutex m_handlerMutex;
    std::function<void(const QString &)> m_unknownKeyHandler;
};

} // namespace ProxySmart::Jose
