// The signature examples of RFC 7515 (appendix A), RFC 7520 (section 4) and
// RFC 8037 (appendix A), checked with the public keys they give.
#include "JoseTestSupport.h"

#include "jose/CompactJws.h"
#include "jose/Jwk.h"
#include "jose/StrictJson.h"
#include "jose/TokenVerifier.h"

#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Jose;

namespace {

// RFC 7515 A.2 RSA public key.
const char rfc7515RsaJwk[] =
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"})";
const char rfc7515RsaToken[] =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igc"
    "N_IoypGlUPQGe77Rw";
// RFC 7515 A.3 P-256 public key.
const char rfc7515EcJwk[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
const char rfc7515EcToken[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// RFC 7515 A.4 P-521 public key.
const char rfc7515Ec521Jwk[] =
    R"({"kty":"EC","crv":"P-521","x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk","y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"})";
const char rfc7515Ec521Token[] =
    "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-"
    "mZZqwqT2SI-KGDKB34XO0aw_"
    "7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";
// RFC 7515 A.1 HMAC key and token.
const char rfc7515HmacKey[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const char rfc7515HmacToken[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// RFC 7520 section 3.3 (RSA) and 3.2 (P-521) public keys, "Bilbo Baggins".
const char rfc7520RsaJwk[] =
    R"({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"})";
const char rfc7520EcJwk[] =
    R"({"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","crv":"P-521","x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt","y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"})";
const char rfc7520Payload[] =
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250by"
    "B0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUg"
    "eW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
const char rfc7520RsaV15Token[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{payload}.MRjdkly7_-"
    "oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB"
    "-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_"
    "qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_"
    "de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_"
    "fcIe8u9ipH84ogoree7vjbU5y18kDquDg";
const char rfc7520PssToken[] =
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{payload}."
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-"
    "tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-"
    "UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_"
    "ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_"
    "jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw";
const char rfc7520EcToken[] =
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{payload}.AE_R_"
    "YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_"
    "u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2";
const char rfc7520HmacKey[] = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg";
const char rfc7520HmacToken[] =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.{payload}."
    "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";

// RFC 8037 A.1 Ed25519 public key, A.4 signature.
const char rfc8037Jwk[] =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
const char rfc8037Token[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-"
    "09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

QByteArray withPayload(const char *token)
{
    return QByteArray(token).replace("{payload}", rfc7520Payload);
}

Jwk jwk(const char *json)
{
    auto object = StrictJson::parseObject(QByteArray(json), QStringLiteral("test"));
    if (!object)
        qFatal("bad test JWK");
    auto key = Jwk::fromJson(object.value());
    if (!key)
        qFatal("test JWK refused: %s",
               qPrintable(key.error().code + QStringLiteral(": ") + key.error().message));
    return key.value();
}

} // namespace

class TestJwsRfcVectors : public QObject
{
    Q_OBJECT

private slots:
    void verifiesPublishedExamples_data();
    void verifiesPublishedExamples();
    void verifiesPublishedHmacExamples_data();
    void verifiesPublishedHmacExamples();
    void computesPublishedThumbprints();
    void rfc7515TokensPassTheSignatureAndFailOnClaims();
};

void TestJwsRfcVectors::verifiesPublishedExamples_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("algorithm");
    QTest::addColumn<QByteArray>("payloadStart");

    QTest::newRow("RFC 7515 A.2 RS256") << QByteArray(rfc7515RsaToken) << QByteArray(rfc7515RsaJwk)
                                        << "RS256" << QByteArray("{\"iss\":\"joe\"");
    QTest::newRow("RFC 7515 A.3 ES256") << QByteArray(rfc7515EcToken) << QByteArray(rfc7515EcJwk)
                                        << "ES256" << QByteArray("{\"iss\":\"joe\"");
    QTest::newRow("RFC 7515 A.4 ES512")
        << QByteArray(rfc7515Ec521Token) << QByteArray(rfc7515Ec521Jwk) << "ES512"
        << QByteArray("Payload");
    QTest::newRow("RFC 7520 4.1 RSA v1.5 (RS256)")
        << withPayload(rfc7520RsaV15Token) << QByteArray(rfc7520RsaJwk) << "RS256"
        << QByteArray("It\xe2\x80\x99s a dangerous business");
    QTest::newRow("RFC 7520 4.2 RSA-PSS (PS384)")
        << withPayload(rfc7520PssToken) << QByteArray(rfc7520RsaJwk) << "PS384"
        << QByteArray("It\xe2\x80\x99s a dangerous business");
    QTest::newRow("RFC 7520 4.3 ECDSA (ES512)")
        << withPayload(rfc7520EcToken) << QByteArray(rfc7520EcJwk) << "ES512"
        << QByteArray("It\xe2\x80\x99s a dangerous business");
    QTest::newRow("RFC 8037 A.4/A.5 Ed25519")
        << QByteArray(rfc8037Token) << QByteArray(rfc8037Jwk) << "EdDSA"
        << QByteArray("Example of Ed25519 signing");
}

void TestJwsRfcVectors::verifiesPublishedExamples()
{
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, key);
    QFETCH(QString, algorithm);
    QFETCH(QByteArray, payloadStart);

    const auto jws = CompactJws::parse(token);
    QVERIFY2(jws.ok(), jws.ok() ? "" : qPrintable(jws.error().code));
    QCOMPARE(jwsAlgorithmName(jws->algorithm), algorithm);
    QVERIFY(jws->payload.startsWith(payloadStart));
    const Jwk publicKey = jwk(key.constData());
    QVERIFY(publicKey.isCompatibleWith(jws->algorithm));
    const auto failure =
        JwsCrypto::verify(jws->algorithm, publicKey.pkey(), jws->signingInput, jws->signature);
    QVERIFY2(!failure, failure ? qPrintable(failure->code) : "");

    // One flipped bit anywhere in the signature, payload or header breaks it.
    QByteArray badSignature = jws->signature;
    badSignature[badSignature.size() / 2] = char(badSignature[badSignature.size() / 2] ^ 0x40);
    QCOMPARE(
        JwsCrypto::verify(jws->algorithm, publicKey.pkey(), jws->signingInput, badSignature)->code,
        QStringLiteral("jws.signature_invalid"));
    QByteArray badInput = jws->signingInput;
    badInput[badInput.size() - 3] = badInput[badInput.size() - 3] == 'A' ? 'B' : 'A';
    QCOMPARE(JwsCrypto::verify(jws->algorithm, publicKey.pkey(), badInput, jws->signature)->code,
             QStringLiteral("jws.signature_invalid"));
}

void TestJwsRfcVectors::verifiesPublishedHmacExamples_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("secret");
    QTest::newRow("RFC 7515 A.1 HS256")
        << QByteArray(rfc7515HmacToken) << QByteArray(rfc7515HmacKey);
    QTest::newRow("RFC 7520 4.4 HS256")
        << withPayload(rfc7520HmacToken) << QByteArray(rfc7520HmacKey);
}

void TestJwsRfcVectors::verifiesPublishedHmacExamples()
{
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, secret);
    const auto jws = CompactJws::parse(token);
    QVERIFY(jws.ok());
    const QByteArray key = *Base64Url::decode(secret);
    QVERIFY(!JwsCrypto::verifyHmac(jws->algorithm, key, jws->signingInput, jws->signature));
    QCOMPARE(
        JwsCrypto::verifyHmac(jws->algorithm, key.chopped(1), jws->signingInput, jws->signature)
            ->code,
        QStringLiteral("jws.signature_invalid"));
    // Signing the same input reproduces the published MAC.
    QCOMPARE(JwsCrypto::signHmac(jws->algorithm, key, jws->signingInput).value(), jws->signature);
}

void TestJwsRfcVectors::computesPublishedThumbprints()
{
    // RFC 7638 section 3.1.
    const Jwk rsa = jwk(
        R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})");
    QCOMPARE(rsa.thumbprint(), QByteArray("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"));
    // RFC 8037 appendix A.3.
    QCOMPARE(jwk(rfc8037Jwk).thumbprint(),
             QByteArray("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"));
}

void TestJwsRfcVectors::rfc7515TokensPassTheSignatureAndFailOnClaims()
{
    // The A.2 token has iss "joe", exp 1300819380 and no aud: once its
    // signature passes, the claims decide.
    ManualClock clock(1300819000);
    IssuerConfig config;
    config.issuer = QStringLiteral("joe");
    config.audience = QStringLiteral("proxy-smart");
    config.staticJwks =
        "{\"keys\":[" + QByteArray(rfc7515RsaJwk) + ',' + QByteArray(rfc7515EcJwk) + "]}";
    auto verifier = TokenVerifier::create({config}, clock).value();
    QCOMPARE(verifier->verify(rfc7515RsaToken).error().code, QStringLiteral("jwt.aud_missing"));
    QCOMPARE(verifier->verify(rfc7515EcToken).error().code, QStringLiteral("jwt.aud_missing"));
    clock.setSecs(1300819380 + 60);
    QCOMPARE(verifier->verify(rfc7515RsaToken).error().code, QStringLiteral("jwt.expired"));
}

QTEST_GUILESS_MAIN(TestJwsRfcVectors)
#include "tst_jwsrfcvectors.moc"
