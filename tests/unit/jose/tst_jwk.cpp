#include "JoseTestSupport.h"

#include "jose/JwkSet.h"
#include "jose/SigningKey.h"

#include <QJsonArray>
#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Jose;
using namespace ProxySmart::Jose::TestSupport;

namespace {

// RFC 7515 A.3's P-256 point and RFC 8037's Ed25519 key.
const QString p256X = QStringLiteral("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
const QString p256Y = QStringLiteral("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
const QString edX = QStringLiteral("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");

} // namespace

class TestJwk : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void parsesKeys_data();
    void parsesKeys();
    void keySetSkipsUnusableEntries();
    void keySetRefusesBadDocuments_data();
    void keySetRefusesBadDocuments();
    void candidatesFollowKidAndAlgorithm();
    void exportsWhatItParses();

private:
    QJsonObject m_rsa;
};

void TestJwk::initTestCase()
{
    m_rsa =
        SigningKey::generate(JwsAlgorithm::RS256, QStringLiteral("r")).value().publicJwk().toJson();
    m_rsa.remove(QLatin1String("alg"));
}

void TestJwk::parsesKeys_data()
{
    QTest::addColumn<QJsonObject>("jwk");
    QTest::addColumn<QString>("code"); // empty: accepted

    auto with = [](QJsonObject object, const char *name, const QJsonValue &value) {
        if (value.isUndefined())
            object.remove(QLatin1String(name));
        else
            object.insert(QLatin1String(name), value);
        return object;
    };
    const QJsonObject ec {{QLatin1String("kty"), QStringLiteral("EC")},
                          {QLatin1String("crv"), QStringLiteral("P-256")},
                          {QLatin1String("x"), p256X},
                          {QLatin1String("y"), p256Y}};
    const QJsonObject ed {{QLatin1String("kty"), QStringLiteral("OKP")},
                          {QLatin1String("crv"), QStringLiteral("Ed25519")},
                          {QLatin1String("x"), edX}};
    QTest::newRow("an RSA 2048 key is accepted") << m_rsa << QString();
    QTest::newRow("a P-256 key is accepted") << ec << QString();
    QTest::newRow("an Ed25519 key is accepted") << ed << QString();
    QTest::newRow("use sig and key_ops verify are accepted") << with(
        with(ec, "use", QStringLiteral("sig")), "key_ops", QJsonArray {QStringLiteral("verify")})
                                                             << QString();
    QTest::newRow("no kty") << with(ec, "kty", QJsonValue::Undefined) << "jwk.invalid_member";
    QTest::newRow("kty oct (a shared secret)")
        << QJsonObject {{QLatin1String("kty"), QStringLiteral("oct")},
                        {QLatin1String("k"), QStringLiteral("AAAA")}}
        << "jwk.private_material";
    QTest::newRow("kty oct without k")
        << with(ec, "kty", QStringLiteral("oct")) << "jwk.unsupported_kty";
    QTest::newRow("an unknown kty")
        << with(ec, "kty", QStringLiteral("DSA")) << "jwk.unsupported_kty";
    QTest::newRow("an RSA key with its private exponent")
        << with(m_rsa, "d", QStringLiteral("AQAB")) << "jwk.private_material";
    QTest::newRow("an EC key with its private scalar")
        << with(ec, "d", QStringLiteral("AQAB")) << "jwk.private_material";
    QTest::newRow("an encryption key (use enc)")
        << with(ec, "use", QStringLiteral("enc")) << "jwk.not_for_signing";
    QTest::newRow("key_ops without verify")
        << with(ec, "key_ops", QJsonArray {QStringLiteral("encrypt")}) << "jwk.not_for_signing";
    QTest::newRow("key_ops not an array")
        << with(ec, "key_ops", QStringLiteral("verify")) << "jwk.invalid_member";
    QTest::newRow("kid as a number") << with(ec, "kid", 7) << "jwk.invalid_member";
    QTest::newRow("alg RSA-OAEP") << with(m_rsa, "alg", QStringLiteral("RSA-OAEP"))
                                  << "jwk.unsupported_alg";
    QTest::newRow("alg HS256 on an EC key")
        << with(ec, "alg", QStringLiteral("HS256")) << "jwk.unsupported_alg";
    QTest::newRow("alg RS256 on an EC key")
        << with(ec, "alg", QStringLiteral("RS256")) << "jwk.alg_mismatch";
    QTest::newRow("alg ES384 on a P-256 key")
        << with(ec, "alg", QStringLiteral("ES384")) << "jwk.alg_mismatch";
    QTest::newRow("RSA without e") << with(m_rsa, "e", QJsonValue::Undefined) << "jwk.invalid_rsa";
    QTest::newRow("RSA with n in padded base64")
        << with(m_rsa, "n", m_rsa.value(QLatin1String("n")).toString() + QStringLiteral("=="))
        << "jwk.invalid_rsa";
    QTest::newRow("RSA 1024 bits")
        << with(m_rsa, "n", QString::fromLatin1(b64(QByteArray(128, '\xc5'))))
        << "jwk.rsa_too_small";
    QTest::newRow("RSA with an even modulus")
        << with(m_rsa, "n", QString::fromLatin1(b64(QByteArray(255, '\xc5') + '\x02')))
        << "jwk.invalid_rsa";
    // 2^2048 - 1 is odd and divisible by 3: refused every time, not by chance.
    QTest::newRow("RSA with a modulus that has a small factor")
        << with(m_rsa, "n", QString::fromLatin1(b64(QByteArray(256, '\xff')))) << "jwk.invalid_rsa";
    QTest::newRow("RSA with exponent 3")
        << with(m_rsa, "e", QStringLiteral("Aw")) << "jwk.invalid_rsa";
    QTest::newRow("RSA with exponent 1")
        << with(m_rsa, "e", QStringLiteral("AQ")) << "jwk.invalid_rsa";
    QTest::newRow("RSA with an even exponent")
        << with(m_rsa, "e", QStringLiteral("AQAA")) << "jwk.invalid_rsa";
    QTest::newRow("RSA over 8192 bits")
        << with(m_rsa, "n", QString::fromLatin1(b64(QByteArray(1100, '\xc5'))))
        << "jwk.rsa_too_large";
    QTest::newRow("EC on P-192") << with(ec, "crv", QStringLiteral("P-192"))
                                 << "jwk.unsupported_curve";
    QTest::newRow("EC on secp256k1")
        << with(ec, "crv", QStringLiteral("secp256k1")) << "jwk.unsupported_curve";
    QTest::newRow("EC without y") << with(ec, "y", QJsonValue::Undefined) << "jwk.invalid_ec";
    QTest::newRow("EC with a 31-byte x")
        << with(ec, "x", QString::fromLatin1(b64(QByteArray(31, '\x01')))) << "jwk.invalid_ec";
    QTest::newRow("EC with a P-256 point claimed on P-384")
        << with(ec, "crv", QStringLiteral("P-384")) << "jwk.invalid_ec";
    QTest::newRow("EC with a point off the curve")
        << with(ec, "y", QStringLiteral("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1"))
        << "jwk.invalid_ec";
    QTest::newRow("EC with the point (0, 0)")
        << with(with(ec, "x", QString::fromLatin1(b64(QByteArray(32, '\0')))), "y",
                QString::fromLatin1(b64(QByteArray(32, '\0'))))
        << "jwk.invalid_ec";
    QTest::newRow("OKP X25519 (not a signature curve)")
        << with(ed, "crv", QStringLiteral("X25519")) << "jwk.unsupported_curve";
    QTest::newRow("OKP Ed448") << with(ed, "crv", QStringLiteral("Ed448"))
                               << "jwk.unsupported_curve";
    QTest::newRow("Ed25519 with a 31-byte x")
        << with(ed, "x", QString::fromLatin1(b64(QByteArray(31, '\x01')))) << "jwk.invalid_okp";
    QTest::newRow("Ed25519 with alg ES256")
        << with(ed, "alg", QStringLiteral("ES256")) << "jwk.alg_mismatch";
}

void TestJwk::parsesKeys()
{
    QFETCH(QJsonObject, jwk);
    QFETCH(QString, code);
    const auto result = Jwk::fromJson(jwk);
    if (code.isEmpty()) {
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().code));
        QVERIFY(result->pkey());
        QVERIFY(!result->thumbprint().isEmpty());
    } else {
        QVERIFY2(!result.ok(), "a bad key was accepted");
        QCOMPARE(result.error().code, code);
    }
}

void TestJwk::keySetSkipsUnusableEntries()
{
    QJsonObject rsa = m_rsa;
    rsa.insert(QLatin1String("kid"), QStringLiteral("good"));
    QJsonObject enc = m_rsa;
    enc.insert(QLatin1String("kid"), QStringLiteral("enc"));
    enc.insert(QLatin1String("use"), QStringLiteral("enc"));
    enc.insert(QLatin1String("alg"), QStringLiteral("RSA-OAEP"));
    const QJsonArray keys {rsa, enc, QStringLiteral("not an object"),
                           QJsonObject {{QLatin1String("kty"), QStringLiteral("DSA")}}};
    const auto set = JwkSet::parse(compact(QJsonObject {{QLatin1String("keys"), keys}}));
    QVERIFY(set.ok());
    QCOMPARE(set->size(), 1);
    QCOMPARE(set->keys().first().keyId(), QStringLiteral("good"));
    QCOMPARE(set->skipped().size(), 3);
    QVERIFY(set->skipped().at(0).contains(QStringLiteral("jwk.not_for_signing")));
}

void TestJwk::keySetRefusesBadDocuments_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("code");
    QTest::newRow("not JSON") << QByteArray("keys") << "jwks.invalid_json";
    QTest::newRow("an array") << QByteArray("[]") << "jwks.not_object";
    QTest::newRow("no keys member") << QByteArray("{\"key\":[]}") << "jwks.no_keys_array";
    QTest::newRow("keys not an array") << QByteArray("{\"keys\":{}}") << "jwks.no_keys_array";
    QTest::newRow("keys twice") << QByteArray("{\"keys\":[],\"keys\":[]}") << "jwks.duplicate_key";
    QTest::newRow("a duplicate member inside a key")
        << QByteArray("{\"keys\":[{\"kty\":\"EC\",\"kty\":\"RSA\"}]}") << "jwks.duplicate_key";
    QTest::newRow("over 512 KiB") << (QByteArray("{\"keys\":[],\"p\":\"")
                                      + QByteArray(512 * 1024, 'a') + "\"}")
                                  << "jwks.too_large";
    QByteArray many = "{\"keys\":[";
    for (int i = 0; i < 101; ++i)
        many += i ? ",{}" : "{}";
    QTest::newRow("101 keys") << (many + "]}") << "jwks.too_many_keys";
}

void TestJwk::keySetRefusesBadDocuments()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, code);
    const auto set = JwkSet::parse(json);
    QVERIFY(!set.ok());
    QCOMPARE(set.error().code, code);
}

void TestJwk::candidatesFollowKidAndAlgorithm()
{
    const SigningKey a = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("a")).value();
    const SigningKey b = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("b")).value();
    const SigningKey r = SigningKey::generate(JwsAlgorithm::RS256, QStringLiteral("r")).value();
    const JwkSet set({a.publicJwk(), b.publicJwk(), r.publicJwk()});
    QCOMPARE(set.candidates(QStringLiteral("a"), JwsAlgorithm::ES256).size(), 1);
    QCOMPARE(set.candidates(QStringLiteral("a"), JwsAlgorithm::ES384).size(), 0);
    QCOMPARE(set.candidates(QStringLiteral("r"), JwsAlgorithm::PS256).size(),
             0); // its JWK says RS256
    QCOMPARE(set.candidates(std::nullopt, JwsAlgorithm::ES256).size(), 0); // ambiguous
    QCOMPARE(set.candidates(std::nullopt, JwsAlgorithm::RS256).size(), 1);
    QVERIFY(set.containsThumbprint(a.publicJwk().thumbprint()));
    QVERIFY(!set.containsKeyId(QStringLiteral("c")));
}

void TestJwk::exportsWhatItParses()
{
    for (JwsAlgorithm algorithm : {JwsAlgorithm::RS256, JwsAlgorithm::ES256, JwsAlgorithm::ES384,
                                   JwsAlgorithm::ES512, JwsAlgorithm::EdDSA}) {
        const SigningKey key = SigningKey::generate(algorithm).value();
        const QJsonObject exported = key.publicJwk().toJson();
        QVERIFY(!exported.contains(QLatin1String("d")));
        const auto reparsed = Jwk::fromJson(exported);
        QVERIFY(reparsed.ok());
        QCOMPARE(reparsed->thumbprint(), key.publicJwk().thumbprint());
        QCOMPARE(key.keyId(), QString::fromLatin1(key.publicJwk().thumbprint()));
        QVERIFY(reparsed->isCompatibleWith(algorithm));
    }
}

QTEST_GUILESS_MAIN(TestJwk)
#include "tst_jwk.moc"
