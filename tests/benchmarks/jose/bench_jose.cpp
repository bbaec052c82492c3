// Verifications per second for RS256 and ES256: cold (every token new, so its
// signature is checked) and cached (the same tokens again, answered from the
// verified-token cache). Prints one line per case and the cached/cold ratio.
#include "jose/Base64Url.h"
#include "jose/JwsCrypto.h"
#include "jose/SigningKey.h"
#include "jose/TokenVerifier.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

using namespace ProxySmart;
using namespace ProxySmart::Jose;

namespace {

constexpr qint64 now = 1700000000;
const QString issuer = QStringLiteral("https://login.example/realms/bench");

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A token shaped like Keycloak's access tokens (about 900 bytes).
QByteArray makeToken(const SigningKey &key, int serial)
{
    const QJsonObject header {{QLatin1String("alg"), jwsAlgorithmName(key.algorithm())},
                              {QLatin1String("typ"), QStringLiteral("JWT")},
                              {QLatin1String("kid"), key.keyId()}};
    const QJsonObject claims {
        {QLatin1String("exp"), double(now + 3600)},
        {QLatin1String("iat"), double(now)},
        {QLatin1String("jti"), QStringLiteral("0b6f8f4e-%1").arg(serial)},
        {QLatin1String("iss"), issuer},
        {QLatin1String("aud"),
         QJsonArray {QStringLiteral("proxy-smart"), QStringLiteral("account")}},
        {QLatin1String("sub"), QStringLiteral("5f1b3b8e-6c55-4c1f-9b1e-2f6a0f0f2d11")},
        {QLatin1String("typ"), QStringLiteral("Bearer")},
        {QLatin1String("azp"), QStringLiteral("growth-chart")},
        {QLatin1String("scope"),
         QStringLiteral(
             "openid fhirUser launch/patient patient/Observation.rs patient/Patient.rs")},
        {QLatin1String("patient"), QStringLiteral("Patient/123")},
        {QLatin1String("fhirUser"), QStringLiteral("Practitioner/456")},
        {QLatin1String("realm_access"),
         QJsonObject {
             {QLatin1String("roles"),
              QJsonArray {QStringLiteral("offline_access"), QStringLiteral("uma_authorization")}}}},
    };
    const QByteArray input =
        Base64Url::encode(json(header)) + '.' + Base64Url::encode(json(claims));
    return input + '.'
        + Base64Url::encode(JwsCrypto::sign(key.algorithm(), key.pkey(), input).value());
}

struct Measurement
{
    double perSecond = 0;
    qint64 count = 0;
};

// Runs verify over tokens (cycling) for about seconds; every answer must be ok.
Measurement measure(const TokenVerifier &verifier, const QList<QByteArray> &tokens, double seconds,
                    bool expectCached)
{
    QElapsedTimer timer;
    timer.start();
    Measurement m;
    const qint64 limitNs = qint64(seconds * 1e9);
    qsizetype i = 0;
    while (timer.nsecsElapsed() < limitNs) {
        for (int batch = 0; batch < 64; ++batch) {
            const auto result = verifier.verify(tokens[i]);
            if (!result || result->fromCache() != expectCached)
                qFatal("benchmark token %lld: unexpected answer", static_cast<long long>(i));
            if (++i == tokens.size()) {
                if (!expectCached)
                    break; // cold tokens are used once
                i = 0;
            }
        }
        ++m.count; // batches
        if (!expectCached && i == tokens.size())
            break;
    }
    const double elapsed = double(timer.nsecsElapsed()) / 1e9;
    m.count = expectCached ? m.count * 64 : i;
    m.perSecond = double(m.count) / elapsed;
    return m;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const double seconds = argc > 1 ? QByteArray(argv[1]).toDouble() : 2.0;
    QTextStream out(stdout);

    const SigningKey rsa = SigningKey::generate(JwsAlgorithm::RS256).value();
    const SigningKey ec = SigningKey::generate(JwsAlgorithm::ES256).value();
    ManualClock clock(now);
    IssuerConfig config;
    config.issuer = issuer;
    config.audience = QStringLiteral("proxy-smart");
    config.staticJwks = JwkSet({rsa.publicJwk(), ec.publicJwk()}).toJson();
    TokenVerifierOptions options;
    options.cacheCapacity = 200000;

    out << "bench_jose: one thread, " << seconds << " s per case, OpenSSL EVP\n";
    double coldRs256 = 0;
    double cachedRs256 = 0;
    double hotRs256 = 0;
    for (const SigningKey *key : {&rsa, &ec}) {
        auto verifier = TokenVerifier::create({config}, clock, options).value();
        // Enough distinct tokens for the cold run; the slowest case sets the count.
        const int count = key->algorithm() == JwsAlgorithm::RS256 ? 40000 : 20000;
        QList<QByteArray> tokens;
        tokens.reserve(count);
        for (int i = 0; i < count; ++i)
            tokens.append(makeToken(*key, i));
        const Measurement cold = measure(*verifier, tokens, seconds, false);
        const Measurement cached = measure(*verifier, tokens.mid(0, cold.count), seconds, true);
        const QString name = jwsAlgorithmName(key->algorithm());
        out << QStringLiteral("%1 cold   (signature checked): %2 verifications/s (%3 tokens)\n")
                   .arg(name)
                   .arg(cold.perSecond, 0, 'f', 0)
                   .arg(cold.count);
        out << QStringLiteral("%1 cached (verified-token cache): %2 verifications/s\n")
                   .arg(name)
                   .arg(cached.perSecond, 0, 'f', 0);
        out << QStringLiteral("%1 cached/cold: %2x\n")
                   .arg(name)
                   .arg(cached.perSecond / cold.perSecond, 0, 'f', 1);
        // A gateway's live tokens at any moment are far fewer than the cold
        // run's: the same path with 256 tokens in turn, whose cache entries
        // stay in the CPU's caches.
        const Measurement hot = measure(*verifier, tokens.mid(0, 256), seconds, true);
        out << QStringLiteral("%1 cached, 256 live tokens: %2 verifications/s (%3x cold)\n")
                   .arg(name)
                   .arg(hot.perSecond, 0, 'f', 0)
                   .arg(hot.perSecond / cold.perSecond, 0, 'f', 1);
        if (key->algorithm() == JwsAlgorithm::RS256) {
            coldRs256 = cold.perSecond;
            cachedRs256 = cached.perSecond;
            hotRs256 = hot.perSecond;
        }
        out.flush();
    }
    out << QStringLiteral("RS256 cached vs RS256 cold: %1x with 256 live tokens (target: at least "
                          "50x); %2x cycling through every cold token\n")
               .arg(hotRs256 / coldRs256, 0, 'f', 1)
               .arg(cachedRs256 / coldRs256, 0, 'f', 1);
    return 0;
}
