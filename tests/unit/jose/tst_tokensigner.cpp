#include "JoseTestSupport.h"

#include "jose/TokenSigner.h"
#include "jose/TokenVerifier.h"

#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Jose;

namespace {

constexpr qint64 now = 1800000000;
const QString issuer = QStringLiteral("https://gateway.example");

QJsonObject claims(qint64 exp)
{
    return QJsonObject {{QLatin1String("iss"), issuer},
                        {QLatin1String("aud"), QStringLiteral("fhir")},
                        {QLatin1String("sub"), QStringLiteral("alice")},
                        {QLatin1String("exp"), double(exp)}};
}

} // namespace

class TestTokenSigner : public QObject
{
    Q_OBJECT

private slots:
    void signsTokensTheVerifierAccepts_data();
    void signsTokensTheVerifierAccepts();
    void rotationKeepsOldKeysUntilTheirTokensExpire();
    void refusesTokensThatOutliveTheRetention();
    void keysSurviveAPemRoundTrip();
    void refusesKeysThatDoNotFit();
};

void TestTokenSigner::signsTokensTheVerifierAccepts_data()
{
    QTest::addColumn<int>("algorithm");
    QTest::newRow("ES256") << int(JwsAlgorithm::ES256);
    QTest::newRow("RS256") << int(JwsAlgorithm::RS256);
    QTest::newRow("PS256") << int(JwsAlgorithm::PS256);
    QTest::newRow("EdDSA") << int(JwsAlgorithm::EdDSA);
}

void TestTokenSigner::signsTokensTheVerifierAccepts()
{
    QFETCH(int, algorithm);
    ManualClock clock(now);
    TokenSigner signer(clock, 600);
    QCOMPARE(signer.sign(claims(now + 60)).error().code, QStringLiteral("sign.no_key"));
    signer.rotate(SigningKey::generate(JwsAlgorithm(algorithm)).value());
    const QByteArray token = signer.sign(claims(now + 60)).value();

    IssuerConfig config;
    config.issuer = issuer;
    config.audience = QStringLiteral("fhir");
    config.staticJwks = signer.jwks();
    config.type = QStringLiteral("JWT");
    auto verifier = TokenVerifier::create({config}, clock).value();
    const auto verified = verifier->verify(token);
    QVERIFY2(verified.ok(), verified.ok() ? "" : qPrintable(verified.error().code));
    QCOMPARE(verified->keyId(), signer.currentKeyId());
    QCOMPARE(int(verified->algorithm()), algorithm);
    // The published JWKS holds no private member.
    QVERIFY(!config.staticJwks.contains("\"d\""));
}

void TestTokenSigner::rotationKeepsOldKeysUntilTheirTokensExpire()
{
    ManualClock clock(now);
    TokenSigner signer(clock, 600);
    signer.rotate(SigningKey::generate(JwsAlgorithm::ES256).value());
    const QString oldKid = signer.currentKeyId();
    const QByteArray oldToken = signer.sign(claims(now + 600)).value();

    signer.rotate(SigningKey::generate(JwsAlgorithm::RS256).value());
    const QString newKid = signer.currentKeyId();
    QVERIFY(newKid != oldKid);
    const QByteArray newToken = signer.sign(claims(now + 600)).value();
    QCOMPARE(signer.publicKeys().size(), 2);

    IssuerConfig config;
    config.issuer = issuer;
    config.audience = QStringLiteral("fhir");
    config.leewaySecs = 0;
    config.staticJwks = signer.jwks();
    auto verifier = TokenVerifier::create({config}, clock).value();
    QVERIFY(verifier->verify(oldToken).ok());
    QVERIFY(verifier->verify(newToken).ok());
    QCOMPARE(verifier->verify(oldToken, TokenVerifier::CacheUse::Bypass)->keyId(), oldKid);

    // Once every token of the old key has expired, it leaves the JWKS.
    clock.setSecs(now + 600 + TokenSigner::retirementMarginSecs - 1);
    QCOMPARE(signer.publicKeys().size(), 2);
    clock.setSecs(now + 600 + TokenSigner::retirementMarginSecs);
    const JwkSet published = signer.publicKeys();
    QCOMPARE(published.size(), 1);
    QCOMPARE(published.keys().first().keyId(), newKid);
    verifier->setKeySet(issuer, published);
    QCOMPARE(verifier->verify(oldToken, TokenVerifier::CacheUse::Bypass).error().code,
             QStringLiteral("jwks.kid_unknown"));
}

void TestTokenSigner::refusesTokensThatOutliveTheRetention()
{
    ManualClock clock(now);
    TokenSigner signer(clock, 600);
    signer.rotate(SigningKey::generate(JwsAlgorithm::ES256).value());
    QCOMPARE(signer.sign(claims(now + 601)).error().code, QStringLiteral("sign.lifetime_exceeded"));
    QJsonObject noExp = claims(now);
    noExp.remove(QLatin1String("exp"));
    QCOMPARE(signer.sign(noExp).error().code, QStringLiteral("sign.exp_missing"));
}

void TestTokenSigner::keysSurviveAPemRoundTrip()
{
    const SigningKey key = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("k1")).value();
    const QByteArray pem = key.toPem();
    QVERIFY(pem.startsWith("-----BEGIN PRIVATE KEY-----"));
    const auto loaded = SigningKey::fromPem(pem, JwsAlgorithm::ES256, QStringLiteral("k1"));
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->publicJwk().thumbprint(), key.publicJwk().thumbprint());
    QCOMPARE(SigningKey::fromPem("not a key", JwsAlgorithm::ES256).error().code,
             QStringLiteral("sign.invalid_pem"));
}

void TestTokenSigner::refusesKeysThatDoNotFit()
{
    const SigningKey ec = SigningKey::generate(JwsAlgorithm::ES256).value();
    QCOMPARE(SigningKey::fromPem(ec.toPem(), JwsAlgorithm::ES384).error().code,
             QStringLiteral("sign.key_alg_mismatch"));
    QCOMPARE(SigningKey::fromPem(ec.toPem(), JwsAlgorithm::RS256).error().code,
             QStringLiteral("sign.key_alg_mismatch"));
    QCOMPARE(SigningKey::generate(JwsAlgorithm::HS256).error().code,
             QStringLiteral("sign.unsupported_alg"));
}

QTEST_GUILESS_MAIN(TestTokenSigner)
#include "tst_tokensigner.moc"
