#include "JoseTestSupport.h"

#include "jose/SigningKey.h"
#include "jose/TokenVerifier.h"

#include <QJsonArray>
#include <QTest>

#include <atomic>
#include <thread>

using namespace ProxySmart;
using namespace ProxySmart::Jose;
using namespace ProxySmart::Jose::TestSupport;

namespace {

const QString issuerA = QStringLiteral("https://login.example/realms/a");
const QString issuerEsOnly = QStringLiteral("https://login.example/realms/es-only");
const QString issuerHmac = QStringLiteral("https://hmac.example");
const QString issuerRemote = QStringLiteral("https://remote.example");
const QString audience = QStringLiteral("proxy-smart");
// 53 bytes: enough for HS256 and HS384, not for HS512.
const QByteArray hmacSecret =
    QByteArrayLiteral("0123456789abcdef0123456789abcdef0123456789abcdef-test");
constexpr qint64 now = 1700000000;

// The public JWK without "alg", so one RSA key serves RS* and PS*.
QJsonObject withoutAlg(const Jwk &jwk)
{
    QJsonObject object = jwk.toJson();
    object.remove(QLatin1String("alg"));
    return object;
}

QByteArray jwks(const QList<QJsonObject> &keys)
{
    QJsonArray array;
    for (const QJsonObject &key : keys)
        array.append(key);
    return compact(QJsonObject {{QLatin1String("keys"), array}});
}

} // namespace

class TestTokenVerifier : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void acceptsValidTokens_data();
    void acceptsValidTokens();
    void refusesHostileTokens_data();
    void refusesHostileTokens();
    void refusesBadConfiguration_data();
    void refusesBadConfiguration();

    void cachesVerifiedTokensUntilTheyExpire();
    void cacheForgetsTokensOfRemovedKeys();
    void cacheIsKeyedByTheWholeToken();
    void unknownKidAsksForARefetch();
    void issuerWithoutKeysYetRefuses();
    void verifiesFromSeveralThreadsWhileKeysRotate();

private:
    QJsonObject claims(const QString &issuer = issuerA) const;
    QByteArray rs256(const QJsonObject &payload) const;
    QByteArray rs256Text(const QByteArray &headerText, const QByteArray &payloadText) const;

    ManualClock m_clock {now};
    std::optional<SigningKey> m_rsa;
    std::optional<SigningKey> m_ec256;
    std::optional<SigningKey> m_ec256b;
    std::optional<SigningKey> m_ec384;
    std::optional<SigningKey> m_ec521;
    std::optional<SigningKey> m_ed;
    std::optional<SigningKey> m_attacker;
    std::optional<SigningKey> m_attackerEc;
    std::shared_ptr<TokenVerifier> m_verifier;
};

QJsonObject TestTokenVerifier::claims(const QString &issuer) const
{
    return QJsonObject {{QLatin1String("iss"), issuer},
                        {QLatin1String("aud"), audience},
                        {QLatin1String("sub"), QStringLiteral("alice")},
                        {QLatin1String("exp"), double(now + 300)},
                        {QLatin1String("iat"), double(now - 10)},
                        {QLatin1String("scope"), QStringLiteral("patient/*.rs")}};
}

QByteArray TestTokenVerifier::rs256Text(const QByteArray &headerText,
                                        const QByteArray &payloadText) const
{
    return signedToken(headerText, payloadText, JwsAlgorithm::RS256, m_rsa->pkey());
}

QByteArray TestTokenVerifier::rs256(const QJsonObject &payload) const
{
    return rs256Text(header(QStringLiteral("RS256"), QStringLiteral("rsa-1")), compact(payload));
}

void TestTokenVerifier::initTestCase()
{
    m_rsa = SigningKey::generate(JwsAlgorithm::RS256, QStringLiteral("rsa-1")).value();
    m_ec256 = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("ec-256")).value();
    m_ec256b = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("ec-256b")).value();
    m_ec384 = SigningKey::generate(JwsAlgorithm::ES384, QStringLiteral("ec-384")).value();
    m_ec521 = SigningKey::generate(JwsAlgorithm::ES512, QStringLiteral("ec-521")).value();
    m_ed = SigningKey::generate(JwsAlgorithm::EdDSA, QStringLiteral("ed-1")).value();
    // Same kid as the real RSA key: only the key set decides what is trusted.
    m_attacker = SigningKey::generate(JwsAlgorithm::RS256, QStringLiteral("rsa-1")).value();
    m_attackerEc = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("ec-256")).value();
}

void TestTokenVerifier::init()
{
    m_clock.setSecs(now);
    IssuerConfig a;
    a.issuer = issuerA;
    a.audience = audience;
    a.staticJwks = jwks({withoutAlg(m_rsa->publicJwk()), m_ec256->publicJwk().toJson(),
                         m_ec256b->publicJwk().toJson(), m_ec384->publicJwk().toJson(),
                         m_ec521->publicJwk().toJson(), m_ed->publicJwk().toJson()});
    IssuerConfig esOnly;
    esOnly.issuer = issuerEsOnly;
    esOnly.audience = audience;
    esOnly.allowedAlgorithms = {JwsAlgorithm::ES256};
    esOnly.staticJwks = jwks({m_ec256->publicJwk().toJson(), withoutAlg(m_rsa->publicJwk())});
    IssuerConfig hmac;
    hmac.issuer = issuerHmac;
    hmac.audience = audience;
    hmac.hmacSecret = hmacSecret;
    hmac.type = QStringLiteral("at+jwt");
    IssuerConfig remote;
    remote.issuer = issuerRemote;
    remote.audience = audience;
    remote.jwksUrl = QUrl(QStringLiteral("https://remote.example/jwks"));
    auto verifier = TokenVerifier::create({a, esOnly, hmac, remote}, m_clock);
    QVERIFY2(verifier.ok(), verifier.ok() ? "" : qPrintable(verifier.error().message));
    m_verifier = verifier.value();
}

void TestTokenVerifier::acceptsValidTokens_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("issuer");

    const QJsonObject c = claims();
    struct Signed
    {
        const char *name;
        JwsAlgorithm alg;
        const SigningKey *key;
        const char *kid;
    };
    const Signed signers[] = {
        {"RS256 with the RSA key is accepted", JwsAlgorithm::RS256, &*m_rsa, "rsa-1"},
        {"RS384 with the RSA key is accepted", JwsAlgorithm::RS384, &*m_rsa, "rsa-1"},
        {"RS512 with the RSA key is accepted", JwsAlgorithm::RS512, &*m_rsa, "rsa-1"},
        {"PS256 with the RSA key is accepted", JwsAlgorithm::PS256, &*m_rsa, "rsa-1"},
        {"PS384 with the RSA key is accepted", JwsAlgorithm::PS384, &*m_rsa, "rsa-1"},
        {"PS512 with the RSA key is accepted", JwsAlgorithm::PS512, &*m_rsa, "rsa-1"},
        {"ES256 with the P-256 key is accepted", JwsAlgorithm::ES256, &*m_ec256, "ec-256"},
        {"ES384 with the P-384 key is accepted", JwsAlgorithm::ES384, &*m_ec384, "ec-384"},
        {"ES512 with the P-521 key is accepted", JwsAlgorithm::ES512, &*m_ec521, "ec-521"},
        {"EdDSA with the Ed25519 key is accepted", JwsAlgorithm::EdDSA, &*m_ed, "ed-1"},
    };
    for (const Signed &s : signers) {
        QTest::newRow(s.name) << signedToken(
            header(jwsAlgorithmName(s.alg), QString::fromLatin1(s.kid)), compact(c), s.alg,
            s.key->pkey()) << issuerA;
    }
    QJsonObject arrayAud = c;
    arrayAud.insert(QLatin1String("aud"), QJsonArray {QStringLiteral("other"), audience});
    QTest::newRow("an aud array containing the audience is accepted") << rs256(arrayAud) << issuerA;
    QJsonObject justExpired = c;
    justExpired.insert(QLatin1String("exp"), double(now - 59));
    QTest::newRow("a token expired 59 s ago is inside the 60 s leeway")
        << rs256(justExpired) << issuerA;
    QJsonObject soonValid = c;
    soonValid.insert(QLatin1String("nbf"), double(now + 59));
    QTest::newRow("nbf 59 s ahead is inside the leeway") << rs256(soonValid) << issuerA;
    QJsonObject fractional = c;
    fractional.insert(QLatin1String("exp"), double(now) + 100.5);
    QTest::newRow("a fractional NumericDate is accepted") << rs256(fractional) << issuerA;
    QTest::newRow("without kid, the only ES256 key of the issuer is used")
        << signedToken(header(QStringLiteral("ES256")), compact(claims(issuerEsOnly)),
                       JwsAlgorithm::ES256, m_ec256->pkey())
        << issuerEsOnly;
    QTest::newRow("HS256 with the issuer's shared secret and typ at+jwt is accepted") << hmacToken(
        header(QStringLiteral("HS256"), {}, {{QLatin1String("typ"), QStringLiteral("at+jwt")}}),
        compact(claims(issuerHmac)), JwsAlgorithm::HS256, hmacSecret) << issuerHmac;
    QTest::newRow("typ compares without case and with the application/ prefix")
        << hmacToken(header(QStringLiteral("HS384"), {},
                            {{QLatin1String("typ"), QStringLiteral("application/AT+JWT")}}),
                     compact(claims(issuerHmac)), JwsAlgorithm::HS384, hmacSecret)
        << issuerHmac;
    QTest::newRow("header members jku/x5u are ignored, not followed")
        << rs256Text(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                            {{QLatin1String("jku"), QStringLiteral("https://evil.example/jwks")},
                             {QLatin1String("x5u"), QStringLiteral("https://evil.example/x5u")}}),
                     compact(c))
        << issuerA;
}

void TestTokenVerifier::acceptsValidTokens()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, issuer);
    const auto result = m_verifier->verify(token);
    QVERIFY2(result.ok(),
             result.ok()
                 ? ""
                 : qPrintable(result.error().code + QStringLiteral(": ") + result.error().message));
    QCOMPARE(result->issuer(), issuer);
    QCOMPARE(result->subject(), QStringLiteral("alice"));
    QCOMPARE(result->claims().value(QLatin1String("scope")).toString(),
             QStringLiteral("patient/*.rs"));
    QVERIFY(!result->fromCache());
    QVERIFY(!result->keyThumbprint().isEmpty());
}

void TestTokenVerifier::refusesHostileTokens_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("code");

    const QJsonObject c = claims();
    const QByteArray payload = compact(c);
    const QByteArray rsHeader = header(QStringLiteral("RS256"), QStringLiteral("rsa-1"));
    const QByteArray good = rs256(c);
    const QList<QByteArray> p = parts(good);
    const QByteArray goodEc = signedToken(header(QStringLiteral("ES256"), QStringLiteral("ec-256")),
                                          payload, JwsAlgorithm::ES256, m_ec256->pkey());
    const QList<QByteArray> pe = parts(goodEc);
    const QByteArray goodEd = signedToken(header(QStringLiteral("EdDSA"), QStringLiteral("ed-1")),
                                          payload, JwsAlgorithm::EdDSA, m_ed->pkey());
    auto withClaim = [&](const char *name, const QJsonValue &value) {
        QJsonObject changed = c;
        if (value.isUndefined())
            changed.remove(QLatin1String(name));
        else
            changed.insert(QLatin1String(name), value);
        return rs256(changed);
    };
    auto unsignedToken = [](const QByteArray &headerText, const QByteArray &payloadText,
                            const QByteArray &signature) {
        return b64(headerText) + '.' + b64(payloadText) + '.' + signature;
    };
    auto row = [](const char *name) -> QTestData & {
        return QTest::newRow(name);
    };

    // Structure and size, before any parsing.
    row("an empty token") << QByteArray() << "jws.empty";
    row("a token over 16 KiB") << QByteArray(16 * 1024 + 1, 'a') << "jws.too_large";
    row("a 16 KiB token of valid parts padded with claims") << rs256Text(
        rsHeader, compact(QJsonObject {{QLatin1String("pad"), QString(16 * 1024, u'x')}}))
                                                            << "jws.too_large";
    row("one part only") << QByteArray("eyJhbGciOiJSUzI1NiJ9") << "jws.malformed";
    row("two parts") << (p[0] + '.' + p[1]) << "jws.malformed";
    row("four parts") << (good + ".AAAA") << "jws.malformed";
    row("five parts, the shape of a JWE")
        << (p[0] + ".." + p[1] + '.' + p[2] + ".AAAA") << "jws.malformed";
    row("an empty header part") << ('.' + p[1] + '.' + p[2]) << "jws.malformed";
    row("an empty signature (unsecured JWS)")
        << (p[0] + '.' + p[1] + '.') << "jws.signature_missing";
    // base64url strictness.
    row("padding in the header") << (p[0] + "=." + p[1] + '.' + p[2]) << "jws.header.bad_base64url";
    row("whitespace before the token") << (' ' + good) << "jws.header.bad_base64url";
    row("a trailing newline after the signature") << (good + '\n') << "jws.signature.bad_base64url";
    row("standard base64 '+' in the signature")
        << (p[0] + '.' + p[1] + '.' + QByteArray(p[2]).replace('-', '+').replace('_', '/') + "+")
        << "jws.signature.bad_base64url";
    {
        QByteArray stray = p[0];
        while (stray.size() % 4 != 1)
            stray += 'A';
        row("a header whose length leaves one stray character")
            << (stray + '.' + p[1] + '.' + p[2]) << "jws.header.bad_base64url";
        // The header has 29 bytes: its last character carries two unused bits.
        QVERIFY(p[0].size() % 4 == 3);
        row("non-zero unused bits at the end of the header")
            << (withUnusedBitsSet(p[0]) + '.' + p[1] + '.' + p[2]) << "jws.header.bad_base64url";
    }
    row("a payload with an invalid character")
        << (p[0] + '.' + p[1] + "*." + p[2]) << "jws.payload.bad_base64url";
    row("non-zero unused bits at the end of the signature")
        << (p[0] + '.' + p[1] + '.' + withUnusedBitsSet(b64(QByteArray(256, 'x'))))
        << "jws.signature.bad_base64url";
    // Header JSON.
    row("a header that is not JSON")
        << unsignedToken("alg RS256", payload, "AAAA") << "jws.header.invalid_json";
    row("a header that is a JSON array")
        << unsignedToken("[\"RS256\"]", payload, "AAAA") << "jws.header.not_object";
    row("a header with alg twice")
        << rs256Text("{\"alg\":\"none\",\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", payload)
        << "jws.header.duplicate_key";
    row("a header with alg twice, once spelt with a \\u escape")
        << rs256Text("{\"alg\":\"RS256\",\"\\u0061lg\":\"RS256\",\"kid\":\"rsa-1\"}", payload)
        << "jws.header.duplicate_key";
    row("a header with a duplicate key in a nested object")
        << rs256Text("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"x\":{\"a\":1,\"a\":2}}", payload)
        << "jws.header.duplicate_key";
    row("a header with data after the object")
        << rs256Text("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}x", payload)
        << "jws.header.invalid_json";
    row("a header of two objects") << rs256Text("{\"alg\":\"RS256\"}{\"kid\":\"rsa-1\"}", payload)
                                   << "jws.header.invalid_json";
    row("a header with invalid UTF-8")
        << rs256Text("{\"alg\":\"RS256\",\"kid\":\"rsa-\xff\"}", payload)
        << "jws.header.invalid_json";
    row("a header with an overlong UTF-8 encoding")
        << rs256Text("{\"alg\":\"RS256\",\"kid\":\"\xc0\xaf\"}", payload)
        << "jws.header.invalid_json";
    row("a header with a lone surrogate escape")
        << rs256Text("{\"alg\":\"RS256\",\"kid\":\"\\ud800\"}", payload)
        << "jws.header.invalid_json";
    row("a header with a NUL byte")
        << rs256Text(QByteArray("{\"alg\":\"RS256\",\"kid\":\"rsa-1") + '\0' + "\"}", payload)
        << "jws.header.invalid_json";
    row("a header starting with a byte-order mark")
        << rs256Text("\xef\xbb\xbf{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", payload)
        << "jws.header.invalid_json";
    row("a header nested 40 levels deep") << rs256Text(
        "{\"alg\":\"RS256\",\"x\":" + QByteArray(40, '[') + QByteArray(40, ']') + "}", payload)
                                          << "jws.header.too_deep";
    row("a header with a trailing comma")
        << rs256Text("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",}", payload)
        << "jws.header.invalid_json";
    // Algorithms (RFC 8725 section 3.1).
    row("no alg") << rs256Text("{\"kid\":\"rsa-1\"}", payload) << "jws.alg_missing";
    row("alg as a number") << rs256Text("{\"alg\":256,\"kid\":\"rsa-1\"}", payload)
                           << "jws.alg_invalid";
    row("alg none with a signature")
        << rs256Text(header(QStringLiteral("none")), payload) << "jws.alg_none";
    row("alg None") << unsignedToken(header(QStringLiteral("None")), payload, "") << "jws.alg_none";
    row("alg NONE without a signature")
        << unsignedToken(header(QStringLiteral("NONE")), payload, "") << "jws.alg_none";
    row("alg rs256 in lower case")
        << rs256Text(header(QStringLiteral("rs256"), QStringLiteral("rsa-1")), payload)
        << "jws.alg_unsupported";
    row("alg ES256K") << rs256Text(header(QStringLiteral("ES256K"), QStringLiteral("rsa-1")),
                                   payload)
                      << "jws.alg_unsupported";
    row("alg with a trailing space")
        << rs256Text(header(QStringLiteral("RS256 "), QStringLiteral("rsa-1")), payload)
        << "jws.alg_unsupported";
    row("HS256 for an issuer without a shared secret")
        << hmacToken(header(QStringLiteral("HS256"), QStringLiteral("rsa-1")), payload,
                     JwsAlgorithm::HS256, hmacSecret)
        << "jws.alg_hmac_not_configured";
    {
        // The classic key confusion: the RSA public key used as an HMAC secret.
        const QByteArray publicKeyAsSecret = compact(m_rsa->publicJwk().toJson());
        row("HS256 keyed with the issuer's RSA public key")
            << hmacToken(header(QStringLiteral("HS256"), QStringLiteral("rsa-1")), payload,
                         JwsAlgorithm::HS256, publicKeyAsSecret)
            << "jws.alg_hmac_not_configured";
    }
    row("RS256 for an issuer that allows ES256 only")
        << rs256(claims(issuerEsOnly)) << "jws.alg_not_allowed";
    row("alg RS256 naming an EC key")
        << signedToken(header(QStringLiteral("RS256"), QStringLiteral("ec-256")), payload,
                       JwsAlgorithm::RS256, m_rsa->pkey())
        << "jws.key_alg_mismatch";
    row("alg ES256 naming the P-384 key")
        << signedToken(header(QStringLiteral("ES256"), QStringLiteral("ec-384")), payload,
                       JwsAlgorithm::ES256, m_ec256->pkey())
        << "jws.key_alg_mismatch";
    row("alg ES384 naming the P-256 key")
        << signedToken(header(QStringLiteral("ES384"), QStringLiteral("ec-256")), payload,
                       JwsAlgorithm::ES384, m_ec384->pkey())
        << "jws.key_alg_mismatch";
    row("alg EdDSA naming the RSA key")
        << signedToken(header(QStringLiteral("EdDSA"), QStringLiteral("rsa-1")), payload,
                       JwsAlgorithm::EdDSA, m_ed->pkey())
        << "jws.key_alg_mismatch";
    // Header members that must not be obeyed.
    row("crit naming an extension")
        << rs256Text(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                            {{QLatin1String("crit"), QJsonArray {QStringLiteral("exp")}},
                             {QLatin1String("exp"), 1}}),
                     payload)
        << "jws.crit_unsupported";
    row("crit b64 with b64 false (RFC 7797)")
        << rs256Text(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                            {{QLatin1String("crit"), QJsonArray {QStringLiteral("b64")}},
                             {QLatin1String("b64"), false}}),
                     payload)
        << "jws.crit_unsupported";
    row("an empty crit") << rs256Text(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                                             {{QLatin1String("crit"), QJsonArray {}}}),
                                      payload)
                         << "jws.crit_invalid";
    row("crit as a string") << rs256Text(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                                                {{QLatin1String("crit"), QStringLiteral("b64")}}),
                                         payload)
                            << "jws.crit_invalid";
    row("b64 false without crit") << rs256Text(
        header(QStringLiteral("RS256"), QStringLiteral("rsa-1"), {{QLatin1String("b64"), false}}),
        payload) << "jws.b64_unsupported";
    row("a JWE header (enc)") << rs256Text(
        header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
               {{QLatin1String("enc"), QStringLiteral("A256GCM")}}),
        payload) << "jws.encrypted_unsupported";
    row("kid as a number") << rs256Text("{\"alg\":\"RS256\",\"kid\":1}", payload)
                           << "jws.kid_invalid";
    row("typ as an object") << rs256Text("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"typ\":{}}",
                                         payload)
                            << "jws.typ_invalid";
    row("an embedded jwk with the attacker's key and an unknown kid")
        << signedToken(header(QStringLiteral("RS256"), QStringLiteral("attacker"),
                              {{QLatin1String("jwk"), m_attacker->publicJwk().toJson()}}),
                       payload, JwsAlgorithm::RS256, m_attacker->pkey())
        << "jwks.kid_unknown";
    row("an embedded jwk with the attacker's key under the real kid")
        << signedToken(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                              {{QLatin1String("jwk"), m_attacker->publicJwk().toJson()}}),
                       payload, JwsAlgorithm::RS256, m_attacker->pkey())
        << "jws.signature_invalid";
    row("jku pointing at the attacker's key set") << signedToken(
        header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
               {{QLatin1String("jku"), QStringLiteral("https://evil.example/jwks")}}),
        payload, JwsAlgorithm::RS256, m_attacker->pkey())
                                                  << "jws.signature_invalid";
    row("x5u pointing at the attacker's certificate") << signedToken(
        header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
               {{QLatin1String("x5u"), QStringLiteral("https://evil.example/cert")}}),
        payload, JwsAlgorithm::RS256, m_attacker->pkey())
                                                      << "jws.signature_invalid";
    row("x5c carrying the attacker's certificate chain")
        << signedToken(header(QStringLiteral("ES256"), QStringLiteral("ec-256"),
                              {{QLatin1String("x5c"), QJsonArray {QStringLiteral("MIIB")}}}),
                       payload, JwsAlgorithm::ES256, m_attackerEc->pkey())
        << "jws.signature_invalid";
    // Keys.
    row("a kid the key set does not have")
        << signedToken(header(QStringLiteral("RS256"), QStringLiteral("rsa-9")), payload,
                       JwsAlgorithm::RS256, m_rsa->pkey())
        << "jwks.kid_unknown";
    row("no kid while the key set has two P-256 keys") << signedToken(
        header(QStringLiteral("ES256")), payload, JwsAlgorithm::ES256, m_ec256->pkey())
                                                       << "jws.kid_missing";
    // Signatures.
    {
        QByteArray flipped = QByteArray::fromBase64(p[2], QByteArray::Base64UrlEncoding);
        flipped[10] = char(flipped[10] ^ 0x01);
        row("an RS256 signature with one bit flipped")
            << (p[0] + '.' + p[1] + '.' + b64(flipped)) << "jws.signature_invalid";
        row("an RS256 signature one byte short")
            << (p[0] + '.' + p[1] + '.' + b64(flipped.chopped(1)))
            << "jws.signature_length_mismatch";
        row("an RS256 signature one byte long")
            << (p[0] + '.' + p[1] + '.' + b64(flipped + 'x')) << "jws.signature_length_mismatch";
    }
    {
        const QByteArray raw = QByteArray::fromBase64(pe[2], QByteArray::Base64UrlEncoding);
        row("an ES256 signature of 63 bytes")
            << (pe[0] + '.' + pe[1] + '.' + b64(raw.chopped(1))) << "jws.signature_length_mismatch";
        row("an ES256 signature in DER instead of R||S")
            << (pe[0] + '.' + pe[1] + '.'
                + b64(QByteArray::fromHex("30440220") + raw.left(32) + QByteArray::fromHex("0220")
                      + raw.mid(32)))
            << "jws.signature_length_mismatch";
        row("an ES256 signature of zeros (r = s = 0)")
            << (pe[0] + '.' + pe[1] + '.' + b64(QByteArray(64, '\0'))) << "jws.signature_invalid";
        row("an ES256 signature with R and S swapped")
            << (pe[0] + '.' + pe[1] + '.' + b64(raw.mid(32) + raw.left(32)))
            << "jws.signature_invalid";
        const QList<QByteArray> pd = parts(goodEd);
        row("an EdDSA signature of 63 bytes")
            << (pd[0] + '.' + pd[1] + '.'
                + b64(QByteArray::fromBase64(pd[2], QByteArray::Base64UrlEncoding).chopped(1)))
            << "jws.signature_length_mismatch";
    }
    {
        QJsonObject admin = c;
        admin.insert(QLatin1String("sub"), QStringLiteral("admin"));
        row("claims changed after signing")
            << (p[0] + '.' + b64(compact(admin)) + '.' + p[2]) << "jws.signature_invalid";
        row("the header changed after signing")
            << (b64(header(QStringLiteral("RS256"), QStringLiteral("rsa-1"),
                           {{QLatin1String("typ"), QStringLiteral("JWT")}}))
                + '.' + p[1] + '.' + p[2])
            << "jws.signature_invalid";
        QJsonObject other = c;
        other.insert(QLatin1String("jti"), QStringLiteral("other"));
        row("the signature of another token")
            << (p[0] + '.' + p[1] + '.' + parts(rs256(other))[2]) << "jws.signature_invalid";
    }
    // Payload JSON.
    row("a payload that is not JSON")
        << rs256Text(rsHeader, "not json") << "jwt.payload.invalid_json";
    row("a payload that is a JSON array")
        << rs256Text(rsHeader, "[1,2]") << "jwt.payload.not_object";
    row("a payload with sub twice") << rs256Text(
        rsHeader, "{\"iss\":\"" + issuerA.toUtf8() + "\",\"sub\":\"alice\",\"sub\":\"admin\"}")
                                    << "jwt.payload.duplicate_key";
    row("a payload with iss twice, the second trusted") << rs256Text(
        rsHeader, "{\"iss\":\"https://evil.example\",\"iss\":\"" + issuerA.toUtf8() + "\"}")
                                                        << "jwt.payload.duplicate_key";
    row("a payload with a duplicate key in a nested claim")
        << rs256Text(rsHeader,
                     "{\"iss\":\"" + issuerA.toUtf8()
                         + "\",\"fhirContext\":[{\"reference\":\"a\",\"reference\":\"b\"}]}")
        << "jwt.payload.duplicate_key";
    row("a payload with data after the object")
        << rs256Text(rsHeader, payload + " {}") << "jwt.payload.invalid_json";
    // Issuer.
    row("no iss") << withClaim("iss", QJsonValue::Undefined) << "jwt.iss_missing";
    row("iss as an array") << withClaim("iss", QJsonArray {issuerA}) << "jwt.iss_invalid";
    row("an unknown issuer") << withClaim("iss", QStringLiteral("https://evil.example"))
                             << "jwt.issuer_unknown";
    row("the issuer with a trailing slash")
        << withClaim("iss", issuerA + u'/') << "jwt.issuer_unknown";
    row("the issuer in upper case") << withClaim("iss", issuerA.toUpper()) << "jwt.issuer_unknown";
    // Time claims.
    row("no exp") << withClaim("exp", QJsonValue::Undefined) << "jwt.exp_missing";
    row("exp as a string") << withClaim("exp", QString::number(now + 300)) << "jwt.exp_invalid";
    row("exp of 1e300") << withClaim("exp", 1e300) << "jwt.exp_invalid";
    row("a negative exp") << withClaim("exp", -1) << "jwt.exp_invalid";
    row("expired 61 s ago, beyond the leeway")
        << withClaim("exp", double(now - 61)) << "jwt.expired";
    row("expired exactly one leeway ago") << withClaim("exp", double(now - 60)) << "jwt.expired";
    row("nbf 61 s ahead") << withClaim("nbf", double(now + 61)) << "jwt.not_yet_valid";
    row("nbf as a string") << withClaim("nbf", QStringLiteral("0")) << "jwt.nbf_invalid";
    row("iat an hour ahead") << withClaim("iat", double(now + 3600)) << "jwt.iat_in_future";
    row("iat as a boolean") << withClaim("iat", true) << "jwt.iat_invalid";
    // Audience and subject.
    row("no aud") << withClaim("aud", QJsonValue::Undefined) << "jwt.aud_missing";
    row("another audience") << withClaim("aud", QStringLiteral("other")) << "jwt.audience_mismatch";
    row("an aud array without the audience")
        << withClaim("aud", QJsonArray {QStringLiteral("a"), QStringLiteral("b")})
        << "jwt.audience_mismatch";
    row("an audience that only starts like ours")
        << withClaim("aud", audience + QStringLiteral("-evil")) << "jwt.audience_mismatch";
    row("an empty aud array") << withClaim("aud", QJsonArray {}) << "jwt.audience_mismatch";
    row("an aud array holding a number")
        << withClaim("aud", QJsonArray {audience, 1}) << "jwt.aud_invalid";
    row("aud as a number") << withClaim("aud", 42) << "jwt.aud_invalid";
    row("sub as a number") << withClaim("sub", 42) << "jwt.sub_invalid";
    // The HMAC issuer.
    const QByteArray hmacHeader =
        header(QStringLiteral("HS256"), {}, {{QLatin1String("typ"), QStringLiteral("at+jwt")}});
    row("HS256 with the wrong secret") << hmacToken(hmacHeader, compact(claims(issuerHmac)),
                                                    JwsAlgorithm::HS256, QByteArray(40, 'w'))
                                       << "jws.signature_invalid";
    {
        const QByteArray hs =
            hmacToken(hmacHeader, compact(claims(issuerHmac)), JwsAlgorithm::HS256, hmacSecret);
        const QList<QByteArray> ph = parts(hs);
        row("HS256 with a truncated MAC")
            << (ph[0] + '.' + ph[1] + '.'
                + b64(QByteArray::fromBase64(ph[2], QByteArray::Base64UrlEncoding).left(16)))
            << "jws.signature_length_mismatch";
    }
    row("HS512 when the secret is too short for it") << hmacToken(
        header(QStringLiteral("HS512"), {}, {{QLatin1String("typ"), QStringLiteral("at+jwt")}}),
        compact(claims(issuerHmac)), JwsAlgorithm::HS512, hmacSecret)
                                                     << "jws.alg_not_allowed";
    row("a typ other than the configured one") << hmacToken(
        header(QStringLiteral("HS256"), {}, {{QLatin1String("typ"), QStringLiteral("JWT")}}),
        compact(claims(issuerHmac)), JwsAlgorithm::HS256, hmacSecret)
                                               << "jwt.typ_mismatch";
    row("no typ where one is configured")
        << hmacToken(header(QStringLiteral("HS256")), compact(claims(issuerHmac)),
                     JwsAlgorithm::HS256, hmacSecret)
        << "jwt.typ_mismatch";
}

void TestTokenVerifier::refusesHostileTokens()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, code);
    const auto result = m_verifier->verify(token);
    QVERIFY2(!result.ok(), "a hostile token was accepted");
    QCOMPARE(result.error().code, code);
    QVERIFY(!result.error().message.isEmpty());
    // Refusals are never cached: asking again gives the same answer.
    const auto again = m_verifier->verify(token);
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, code);
}

void TestTokenVerifier::refusesBadConfiguration_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("code");
    QTest::newRow("a leeway over five minutes") << "leeway301"
                                                << "config.jose.leeway_out_of_range";
    QTest::newRow("a negative leeway") << "leeway-1"
                                       << "config.jose.leeway_out_of_range";
    QTest::newRow("no audience") << "noAudience"
                                 << "config.jose.audience_missing";
    QTest::newRow("no issuer name") << "noIssuer"
                                    << "config.jose.issuer_missing";
    QTest::newRow("the same issuer twice") << "duplicate"
                                           << "config.jose.duplicate_issuer";
    QTest::newRow("no keys at all") << "noKeys"
                                    << "config.jose.no_keys";
    QTest::newRow("an http JWKS URL on another host") << "httpRemote"
                                                      << "config.jose.jwks_url_insecure";
    QTest::newRow("a shared secret shorter than 32 bytes") << "shortSecret"
                                                           << "config.jose.hmac_secret_too_short";
    QTest::newRow("HS256 allowed without a secret") << "hsWithoutSecret"
                                                    << "config.jose.hmac_without_secret";
    QTest::newRow("a static key set that is not JSON") << "badJwks"
                                                       << "jwks.invalid_json";
    QTest::newRow("a static key set with duplicate keys") << "dupJwks"
                                                          << "jwks.duplicate_key";
}

void TestTokenVerifier::refusesBadConfiguration()
{
    QFETCH(QString, field);
    QFETCH(QString, code);
    IssuerConfig config;
    config.issuer = issuerA;
    config.audience = audience;
    config.jwksUrl = QUrl(QStringLiteral("http://127.0.0.1:1/jwks")); // loopback http is allowed
    QList<IssuerConfig> configs;
    if (field == u"leeway301")
        config.leewaySecs = 301;
    else if (field == u"leeway-1")
        config.leewaySecs = -1;
    else if (field == u"noAudience")
        config.audience.clear();
    else if (field == u"noIssuer")
        config.issuer.clear();
    else if (field == u"duplicate")
        configs.append(config);
    else if (field == u"noKeys")
        config.jwksUrl.clear();
    else if (field == u"httpRemote")
        config.jwksUrl = QUrl(QStringLiteral("http://login.example/jwks"));
    else if (field == u"shortSecret")
        config.hmacSecret = QByteArray(31, 's');
    else if (field == u"hsWithoutSecret")
        config.allowedAlgorithms = {JwsAlgorithm::HS256};
    else if (field == u"badJwks")
        config.staticJwks = "{keys:[]}";
    else if (field == u"dupJwks")
        config.staticJwks = "{\"keys\":[],\"keys\":[]}";
    configs.append(config);
    const auto created = TokenVerifier::create(configs, m_clock);
    QVERIFY(!created.ok());
    QCOMPARE(created.error().code, code);

    // The same configuration without the fault is accepted.
    IssuerConfig fine;
    fine.issuer = issuerA;
    fine.audience = audience;
    fine.jwksUrl = QUrl(QStringLiteral("http://127.0.0.1:1/jwks"));
    QVERIFY(TokenVerifier::create({fine}, m_clock).ok());
}

void TestTokenVerifier::cachesVerifiedTokensUntilTheyExpire()
{
    QJsonObject c = claims();
    c.insert(QLatin1String("exp"), double(now + 100));
    const QByteArray token = rs256(c);
    const auto first = m_verifier->verify(token);
    QVERIFY(first.ok());
    QVERIFY(!first->fromCache());
    QCOMPARE(m_verifier->cache().size(), 1);
    const auto second = m_verifier->verify(token);
    QVERIFY(second.ok());
    QVERIFY(second->fromCache());
    QCOMPARE(second->claims(), first->claims());
    QCOMPARE(second->expiresAt(), now + 100);

    // Still inside exp + leeway: served from the cache.
    m_clock.setSecs(now + 159);
    QVERIFY(m_verifier->verify(token)->fromCache());
    // Past it: the cache no longer vouches, and the full check refuses.
    m_clock.setSecs(now + 160);
    const auto expired = m_verifier->verify(token);
    QVERIFY(!expired.ok());
    QCOMPARE(expired.error().code, QStringLiteral("jwt.expired"));
    QCOMPARE(m_verifier->cache().size(), 0);
}

void TestTokenVerifier::cacheForgetsTokensOfRemovedKeys()
{
    const QByteArray token = rs256(claims());
    QVERIFY(m_verifier->verify(token).ok());
    QVERIFY(m_verifier->verify(token)->fromCache());
    // The issuer rotates the RSA key out of its key set.
    auto withoutRsa = JwkSet::parse(jwks({m_ec256->publicJwk().toJson()}));
    QVERIFY(withoutRsa.ok());
    QVERIFY(m_verifier->setKeySet(issuerA, withoutRsa.value()));
    const auto refused = m_verifier->verify(token);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("jwks.kid_unknown"));
    // An EC token still verifies with the remaining key.
    QVERIFY(m_verifier
                ->verify(signedToken(header(QStringLiteral("ES256"), QStringLiteral("ec-256")),
                                     compact(claims()), JwsAlgorithm::ES256, m_ec256->pkey()))
                .ok());
}

void TestTokenVerifier::cacheIsKeyedByTheWholeToken()
{
    const QByteArray token = rs256(claims());
    QVERIFY(m_verifier->verify(token).ok());
    // A forged token sharing the header and payload but not the signature is
    // not answered from the cache.
    QByteArray forged = token;
    forged.chop(4);
    forged += "AAAA";
    const auto result = m_verifier->verify(forged);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("jws.signature_invalid"));
}

void TestTokenVerifier::unknownKidAsksForARefetch()
{
    QStringList asked;
    m_verifier->setUnknownKeyHandler([&asked](const QString &issuer) { asked.append(issuer); });
    const QByteArray token = signedToken(header(QStringLiteral("RS256"), QStringLiteral("new-key")),
                                         compact(claims()), JwsAlgorithm::RS256, m_rsa->pkey());
    QCOMPARE(m_verifier->verify(token).error().code, QStringLiteral("jwks.kid_unknown"));
    QCOMPARE(asked, QStringList {issuerA});
    // A known kid never asks.
    QVERIFY(m_verifier->verify(rs256(claims())).ok());
    QCOMPARE(asked.size(), 1);
}

void TestTokenVerifier::issuerWithoutKeysYetRefuses()
{
    const QByteArray token = rs256(claims(issuerRemote));
    QCOMPARE(m_verifier->verify(token).error().code, QStringLiteral("jwks.unavailable"));
    auto keys = JwkSet::parse(jwks({m_rsa->publicJwk().toJson()}));
    QVERIFY(m_verifier->setKeySet(issuerRemote, keys.value()));
    QVERIFY(m_verifier->verify(token).ok());
}

void TestTokenVerifier::verifiesFromSeveralThreadsWhileKeysRotate()
{
    QList<QByteArray> tokens;
    for (int i = 0; i < 8; ++i) {
        QJsonObject c = claims();
        c.insert(QLatin1String("jti"), QString::number(i));
        tokens.append(i % 2 ? rs256(c)
                            : signedToken(header(QStringLiteral("ES256"), QStringLiteral("ec-256")),
                                          compact(c), JwsAlgorithm::ES256, m_ec256->pkey()));
    }
    const QByteArray fullSet =
        jwks({withoutAlg(m_rsa->publicJwk()), m_ec256->publicJwk().toJson()});
    std::atomic<int> failures {0};
    std::atomic<bool> stop {false};
    std::thread rotator([&] {
        while (!stop.load()) {
            // The same keys, parsed anew: tokens must keep verifying.
            m_verifier->setKeySet(issuerA, JwkSet::parse(fullSet).value());
        }
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < 300; ++i) {
                if (!m_verifier->verify(tokens[(i + t) % tokens.size()]).ok())
                    ++failures;
            }
        });
    }
    for (std::thread &worker : workers)
        worker.join();
    stop = true;
    rotator.join();
    QCOMPARE(failures.load(), 0);
}

QTEST_GUILESS_MAIN(TestTokenVerifier)
#include "tst_tokenverifier.moc"
