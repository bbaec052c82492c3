#include "jose/TokenVerifier.h"

#include "jose/CompactJws.h"
#include "jose/JoseLogging.h"
#include "jose/JwsCrypto.h"
#include "jose/StrictJson.h"

#include <QHostAddress>
#include <QJsonArray>

#include <array>
#include <atomic>
#include <cmath>
#include <cstring>

namespace ProxySmart::Jose {

namespace {

// The marker cached for tokens verified with an issuer's shared secret.
const QByteArray hmacThumbprint = QByteArrayLiteral("hmac");

// NumericDates beyond 9999-12-31 are nonsense and would overflow.
constexpr double maxNumericDate = 253402300799.0;

Result<VerifiedToken> refuse(const char *code, const QString &message)
{
    return Result<VerifiedToken>::failure(QString::fromLatin1(code), message);
}

template<typename T> Result<T> configError(const char *code, const QString &message)
{
    return Result<T>::failure(QString::fromLatin1(code), message);
}

// "application/at+jwt" and "at+JWT" name the same type (RFC 7515 4.1.9).
QString normalisedType(QString type)
{
    type = type.toLower();
    if (type.startsWith(u"application/"))
        type = type.mid(12);
    return type;
}

bool isLoopback(const QUrl &url)
{
    const QString host = url.host();
    if (host.compare(u"localhost", Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

// Reads an optional NumericDate claim into milliseconds. Error codes are
// jwt.<name>_invalid.
std::optional<Error> numericDate(const QJsonObject &claims, QLatin1String name, bool *present,
                                 qint64 *msecs)
{
    *present = claims.contains(name);
    if (!*present)
        return std::nullopt;
    const QJsonValue value = claims.value(name);
    const double seconds = value.toDouble(-1);
    if (!value.isDouble() || !std::isfinite(seconds) || seconds < 0 || seconds > maxNumericDate) {
        return Error {QStringLiteral("jwt.%1_invalid").arg(name),
                      QStringLiteral("The \"%1\" claim is not a valid NumericDate.").arg(name)};
    }
    *msecs = std::llround(seconds * 1000.0);
    return std::nullopt;
}

} // namespace

struct TokenVerifier::IssuerState
{
    IssuerConfig config;
    QList<JwsAlgorithm> allowed;
    mutable std::shared_mutex mutex;
    std::shared_ptr<const JwkSet> keys;
};

Result<std::shared_ptr<TokenVerifier>>
TokenVerifier::create(QList<IssuerConfig> issuers, const Clock &clock, TokenVerifierOptions options)
{
    using R = std::shared_ptr<TokenVerifier>;
    if (issuers.isEmpty())
        return configError<R>("config.jose.no_issuers", QStringLiteral("No issuer is configured."));
    if (options.maxTokenBytes <= 0 || options.maxTokenBytes > CompactJws::defaultMaxBytes) {
        return configError<R>("config.jose.token_limit_out_of_range",
                              QStringLiteral("The token size limit must be 1 to %1 bytes.")
                                  .arg(CompactJws::defaultMaxBytes));
    }
    if (options.maxCacheSecs < 0 || options.cacheCapacity < 0) {
        return configError<R>("config.jose.cache_out_of_range",
                              QStringLiteral("Cache limits cannot be negative."));
    }
    QSet<QString> seen;
    for (const IssuerConfig &config : std::as_const(issuers)) {
        if (config.issuer.isEmpty())
            return configError<R>("config.jose.issuer_missing",
                                  QStringLiteral("An issuer has no name."));
        if (seen.contains(config.issuer)) {
            return configError<R>(
                "config.jose.duplicate_issuer",
                QStringLiteral("Issuer %1 is configured twice.").arg(config.issuer));
        }
        seen.insert(config.issuer);
        if (config.audience.isEmpty()) {
            return configError<R>("config.jose.audience_missing",
                                  QStringLiteral("Issuer %1 has no audience.").arg(config.issuer));
        }
        if (config.leewaySecs < 0 || config.leewaySecs > IssuerConfig::maxLeewaySecs) {
            return configError<R>("config.jose.leeway_out_of_range",
                                  QStringLiteral("The leeway of issuer %1 must be 0 to %2 seconds.")
                                      .arg(config.issuer)
                                      .arg(IssuerConfig::maxLeewaySecs));
        }
        if (config.jwksUrl.isEmpty() && config.staticJwks.isEmpty()
            && config.hmacSecret.isEmpty()) {
            return configError<R>(
                "config.jose.no_keys",
                QStringLiteral("Issuer %1 has no JWKS URL, key set or secret.").arg(config.issuer));
        }
        if (!config.jwksUrl.isEmpty()) {
            const QString scheme = config.jwksUrl.scheme();
            const bool secure = scheme == u"https"
                || (scheme == u"http"
                    && (isLoopback(config.jwksUrl) || config.allowInsecureJwksUrl));
            if (!config.jwksUrl.isValid() || !secure) {
                return configError<R>("config.jose.jwks_url_insecure",
                                      QStringLiteral("The JWKS URL of issuer %1 must be https "
                                                     "(http only on loopback).")
                                          .arg(config.issuer));
            }
        }
        if (!config.hmacSecret.isEmpty()
            && config.hmacSecret.size() < IssuerConfig::minHmacSecretBytes) {
            return configError<R>(
                "config.jose.hmac_secret_too_short",
                QStringLiteral("The shared secret of issuer %1 must have at least "
                               "%2 bytes.")
                    .arg(config.issuer)
                    .arg(IssuerConfig::minHmacSecretBytes));
        }
        for (JwsAlgorithm algorithm : config.allowedAlgorithms) {
            if (isHmac(algorithm) && config.hmacSecret.size() < digestSizeFor(algorithm)) {
                return configError<R>("config.jose.hmac_without_secret",
                                      QStringLiteral("Issuer %1 allows %2 without a shared secret "
                                                     "of at least %3 bytes.")
                                          .arg(config.issuer, jwsAlgorithmName(algorithm))
                                          .arg(digestSizeFor(algorithm)));
            }
        }
        if (!config.staticJwks.isEmpty()) {
            auto keys = JwkSet::parse(config.staticJwks);
            if (!keys)
                return keys.error();
        }
    }
    std::shared_ptr<TokenVerifier> verifier(new TokenVerifier(std::move(issuers), clock, options));
    return verifier;
}

namespace {

quint64 nextVerifierSerial()
{
    static std::atomic<quint64> serial {0};
    return ++serial;
}

// A per-thread, direct-mapped memo of recently verified tokens in front of
// the shared cache. A hit is found by a fast hash and confirmed by comparing
// the token byte for byte, so it costs neither a SHA-256 nor a lock; the
// entry vouches exactly as long as the shared cache's entry does, and the
// signing key is still checked on every hit. It holds the bytes of at most
// 2048 tokens per thread and verifier, in memory only.
struct MemoEntry
{
    QByteArray token;
    VerifiedToken verified;
    qint64 untilMSecs = 0;
};

struct TokenMemo
{
    static constexpr size_t capacity = 2048;
    quint64 owner = 0;
    std::array<MemoEntry, capacity> entries;

    MemoEntry &slotFor(QByteArrayView token)
    {
        return entries[qHash(token, QHashSeed::globalSeed()) % capacity];
    }
};

TokenMemo &tokenMemo(quint64 verifier)
{
    // The verifiers last used on this thread; an old one's memo is dropped.
    thread_local std::array<std::unique_ptr<TokenMemo>, 4> memos;
    thread_local size_t next = 0;
    for (const std::unique_ptr<TokenMemo> &memo : memos) {
        if (memo && memo->owner == verifier)
            return *memo;
    }
    std::unique_ptr<TokenMemo> &memo = memos[next++ % memos.size()];
    memo = std::make_unique<TokenMemo>();
    memo->owner = verifier;
    return *memo;
}

} // namespace

TokenVerifier::TokenVerifier(QList<IssuerConfig> configs, const Clock &clock,
                             TokenVerifierOptions options)
    : m_configs(std::move(configs))
    , m_clock(clock)
    , m_options(options)
    , m_cache(options.cacheCapacity)
    , m_serial(nextVerifierSerial())
{
    for (const IssuerConfig &config : std::as_const(m_configs)) {
        auto state = std::make_unique<IssuerState>();
        state->config = config;
        state->allowed = config.allowedAlgorithms;
        if (state->allowed.isEmpty()) {
            state->allowed = asymmetricAlgorithms();
            for (JwsAlgorithm algorithm : hmacAlgorithms()) {
                if (config.hmacSecret.size() >= digestSizeFor(algorithm))
                    state->allowed.append(algorithm);
            }
        }
        if (!config.staticJwks.isEmpty()) {
            auto keys = JwkSet::parse(config.staticJwks);
            if (keys)
                state->keys = std::make_shared<const JwkSet>(std::move(keys).value());
        }
        m_byIssuer.insert(config.issuer, state.get());
        m_states.push_back(std::move(state));
    }
}

TokenVerifier::~TokenVerifier() = default;

const TokenVerifier::IssuerState *TokenVerifier::stateFor(const QString &issuer) const
{
    return m_byIssuer.value(issuer, nullptr);
}

bool TokenVerifier::setKeySet(const QString &issuer, JwkSet keys)
{
    IssuerState *state = m_byIssuer.value(issuer, nullptr);
    if (!state)
        return false;
    auto shared = std::make_shared<const JwkSet>(std::move(keys));
    std::unique_lock lock(state->mutex);
    state->keys = std::move(shared);
    return true;
}

std::shared_ptr<const JwkSet> TokenVerifier::keySet(const QString &issuer) const
{
    const IssuerState *state = stateFor(issuer);
    if (!state)
        return {};
    std::shared_lock lock(state->mutex);
    return state->keys;
}

void TokenVerifier::setUnknownKeyHandler(std::function<void(const QString &)> handler)
{
    std::lock_guard lock(m_handlerMutex);
    m_unknownKeyHandler = std::move(handler);
}

void TokenVerifier::reportUnknownKey(const QString &issuer) const
{
    std::function<void(const QString &)> handler;
    {
        std::lock_guard lock(m_handlerMutex);
        handler = m_unknownKeyHandler;
    }
    if (handler)
        handler(issuer);
}

bool TokenVerifier::stillTrusts(const IssuerState &state, const QByteArray &thumbprint) const
{
    if (thumbprint == hmacThumbprint)
        return !state.config.hmacSecret.isEmpty();
    std::shared_lock lock(state.mutex);
    return state.keys && state.keys->containsThumbprint(thumbprint);
}

Result<VerifiedToken> TokenVerifier::verify(QByteArrayView token, CacheUse cacheUse) const
{
    // The size limit comes before hashing or parsing anything.
    if (token.size() > m_options.maxTokenBytes) {
        return refuse(
            "jws.too_large",
            QStringLiteral("The token has more than %1 bytes.").arg(m_options.maxTokenBytes));
    }
    if (token.isEmpty())
        return refuse("jws.empty", QStringLiteral("The token is empty."));
    const qint64 nowMSecs = m_clock.nowMSecs();
    if (cacheUse == CacheUse::Bypass)
        return verifyUncached(token, nowMSecs);

    const bool caching = m_options.maxCacheSecs > 0 && m_options.cacheCapacity > 0;
    MemoEntry *memo = caching ? &tokenMemo(m_serial).slotFor(token) : nullptr;
    if (memo && memo->untilMSecs > nowMSecs && memo->token.size() == token.size()
        && std::memcmp(memo->token.constData(), token.data(), size_t(token.size())) == 0) {
        const IssuerState *state = stateFor(memo->verified.issuer());
        if (state && stillTrusts(*state, memo->verified.keyThumbprint()))
            return memo->verified.cachedCopy();
        *memo = MemoEntry {};
    }

    const VerifiedTokenCache::Digest digest = VerifiedTokenCache::digestOf(token);
    qint64 cachedUntil = 0;
    if (auto cached = m_cache.find(digest, nowMSecs, &cachedUntil)) {
        const IssuerState *state = stateFor(cached->issuer());
        if (state && stillTrusts(*state, cached->keyThumbprint())) {
            if (memo)
                *memo = MemoEntry {token.toByteArray(), *cached, cachedUntil};
            return cached->cachedCopy();
        }
        m_cache.remove(digest);
    }
    auto result = verifyUncached(token, nowMSecs);
    if (result && caching) {
        const IssuerState *state = stateFor(result->issuer());
        const qint64 leewayMSecs = qint64(state->config.leewaySecs) * 1000;
        qint64 until = nowMSecs + qint64(m_options.maxCacheSecs) * 1000;
        if (result->expiresAt() > 0)
            until = std::min(until, result->expiresAt() * 1000 + leewayMSecs);
        m_cache.insert(digest, result.value(), until);
        *memo = MemoEntry {token.toByteArray(), result.value(), until};
    }
    return result;
}

Result<VerifiedToken> TokenVerifier::verifyUncached(QByteArrayView token, qint64 nowMSecs) const
{
    auto parsed = CompactJws::parse(token, m_options.maxTokenBytes);
    if (!parsed)
        return parsed.error();
    const CompactJws &jws = parsed.value();

    auto payload = StrictJson::parseObject(jws.payload, QStringLiteral("jwt.payload"));
    if (!payload)
        return payload.error();
    const QJsonObject &claims = payload.value();

    // The issuer picks the keys; it is trusted only once the signature is.
    const QJsonValue iss = claims.value(QLatin1String("iss"));
    if (iss.isUndefined())
        return refuse("jwt.iss_missing", QStringLiteral("The token has no \"iss\" claim."));
    if (!iss.isString())
        return refuse("jwt.iss_invalid", QStringLiteral("The \"iss\" claim is not a string."));
    const IssuerState *state = stateFor(iss.toString());
    if (!state)
        return refuse("jwt.issuer_unknown", QStringLiteral("The token's issuer is not trusted."));
    const IssuerConfig &config = state->config;

    if (isHmac(jws.algorithm) && config.hmacSecret.isEmpty()) {
        return refuse("jws.alg_hmac_not_configured",
                      QStringLiteral("%1 needs a shared secret, and none is configured for this "
                                     "issuer.")
                          .arg(jwsAlgorithmName(jws.algorithm)));
    }
    if (!state->allowed.contains(jws.algorithm)) {
        return refuse("jws.alg_not_allowed",
                      QStringLiteral("Algorithm %1 is not allowed for this issuer.")
                          .arg(jwsAlgorithmName(jws.algorithm)));
    }
    if (!config.type.isEmpty()
        && (!jws.type || normalisedType(*jws.type) != normalisedType(config.type))) {
        return refuse("jwt.typ_mismatch",
                      QStringLiteral("The token's \"typ\" is not \"%1\".").arg(config.type));
    }

    VerifiedToken::Data verified;
    if (isHmac(jws.algorithm)) {
        if (auto error = JwsCrypto::verifyHmac(jws.algorithm, config.hmacSecret, jws.signingInput,
                                               jws.signature))
            return *error;
        verified.keyThumbprint = hmacThumbprint;
    } else {
        std::shared_ptr<const JwkSet> keys;
        {
            std::shared_lock lock(state->mutex);
            keys = state->keys;
        }
        if (!keys || keys->isEmpty()) {
            return refuse("jwks.unavailable",
                          QStringLiteral("No keys are held for this issuer yet."));
        }
        const QList<const Jwk *> candidates = keys->candidates(jws.keyId, jws.algorithm);
        if (candidates.isEmpty()) {
            if (jws.keyId && !keys->containsKeyId(*jws.keyId)) {
                reportUnknownKey(config.issuer);
                return refuse("jwks.kid_unknown",
                              QStringLiteral("The issuer's key set has no key with this \"kid\"."));
            }
            if (jws.keyId) {
                return refuse("jws.key_alg_mismatch",
                              QStringLiteral("The key named by \"kid\" does not fit algorithm %1.")
                                  .arg(jwsAlgorithmName(jws.algorithm)));
            }
            return refuse("jws.kid_missing",
                          QStringLiteral("The token names no \"kid\" and the key set has no single "
                                         "key for %1.")
                              .arg(jwsAlgorithmName(jws.algorithm)));
        }
        std::optional<Error> failure;
        for (const Jwk *key : candidates) {
            failure =
                JwsCrypto::verify(jws.algorithm, key->pkey(), jws.signingInput, jws.signature);
            if (!failure) {
                verified.keyThumbprint = key->thumbprint();
                verified.keyId = key->keyId();
                break;
            }
        }
        if (failure)
            return *failure;
    }

    // Claims, now that they are authentic.
    const qint64 leewayMSecs = qint64(config.leewaySecs) * 1000;
    bool hasExp = false;
    bool hasNbf = false;
    bool hasIat = false;
    qint64 exp = 0;
    qint64 nbf = 0;
    qint64 iat = 0;
    if (auto error = numericDate(claims, QLatin1String("exp"), &hasExp, &exp))
        return *error;
    if (auto error = numericDate(claims, QLatin1String("nbf"), &hasNbf, &nbf))
        return *error;
    if (auto error = numericDate(claims, QLatin1String("iat"), &hasIat, &iat))
        return *error;
    if (!hasExp && config.requireExpiry)
        return refuse("jwt.exp_missing", QStringLiteral("The token has no \"exp\" claim."));
    if (hasExp && nowMSecs >= exp + leewayMSecs)
        return refuse("jwt.expired", QStringLiteral("The token has expired."));
    if (hasNbf && nowMSecs + leewayMSecs < nbf)
        return refuse("jwt.not_yet_valid", QStringLiteral("The token is not valid yet (\"nbf\")."));
    if (hasIat && iat > nowMSecs + leewayMSecs)
        return refuse("jwt.iat_in_future", QStringLiteral("The token was issued in the future."));

    const QJsonValue aud = claims.value(QLatin1String("aud"));
    if (aud.isUndefined())
        return refuse("jwt.aud_missing", QStringLiteral("The token has no \"aud\" claim."));
    bool audienceFound = false;
    if (aud.isString()) {
        audienceFound = aud.toString() == config.audience;
    } else if (aud.isArray()) {
        for (const QJsonValue &entry : aud.toArray()) {
            if (!entry.isString())
                return refuse("jwt.aud_invalid",
                              QStringLiteral("The \"aud\" claim holds a non-string."));
            audienceFound = audienceFound || entry.toString() == config.audience;
        }
    } else {
        return refuse("jwt.aud_invalid",
                      QStringLiteral("The \"aud\" claim is neither a string nor an array."));
    }
    if (!audienceFound)
        return refuse("jwt.audience_mismatch",
                      QStringLiteral("The token is not meant for this audience."));
    const QJsonValue sub = claims.value(QLatin1String("sub"));
    if (!sub.isUndefined() && !sub.isString())
        return refuse("jwt.sub_invalid", QStringLiteral("The \"sub\" claim is not a string."));

    verified.issuer = config.issuer;
    verified.subject = sub.toString();
    verified.claims = claims;
    verified.header = jws.header;
    verified.algorithm = jws.algorithm;
    if (verified.keyId.isEmpty() && jws.keyId)
        verified.keyId = *jws.keyId;
    verified.expiresAt = hasExp ? exp / 1000 : 0;
    return VerifiedToken(std::move(verified));
}

} // namespace ProxySmart::Jose
