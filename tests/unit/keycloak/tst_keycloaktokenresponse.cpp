// Token endpoint answers: what is accepted and what is refused with a reason.
#include "keycloak/KeycloakTokens.h"

#include <QTest>

using namespace ProxySmart;

class TestKeycloakTokenResponse : public QObject
{
    Q_OBJECT

private slots:
    void acceptsAnswerWithRefreshToken();
    void acceptsClientCredentialsAnswerWithoutRefreshToken();
    void refusesMalformedAnswers_data();
    void refusesMalformedAnswers();
};

void TestKeycloakTokenResponse::acceptsAnswerWithRefreshToken()
{
    const auto tokens = KeycloakTokens::fromTokenResponse(
        R"({"access_token":"a.b.c","expires_in":300,"refresh_token":"r","refresh_expires_in":1800,"token_type":"Bearer"})",
        1000);
    QVERIFY(tokens.ok());
    QCOMPARE(tokens->accessToken, QStringLiteral("a.b.c"));
    QCOMPARE(tokens->accessExpiresAt, 1300);
    QCOMPARE(tokens->refreshToken, QStringLiteral("r"));
    QCOMPARE(tokens->refreshExpiresAt, 2800);
    QCOMPARE(tokens->accessLifetime, 300);
}

void TestKeycloakTokenResponse::acceptsClientCredentialsAnswerWithoutRefreshToken()
{
    const auto tokens = KeycloakTokens::fromTokenResponse(
        R"({"access_token":"a.b.c","expires_in":60,"refresh_expires_in":0})", 10);
    QVERIFY(tokens.ok());
    QVERIFY(tokens->refreshToken.isEmpty());
    QCOMPARE(tokens->refreshExpiresAt, 0);
}

void TestKeycloakTokenResponse::refusesMalformedAnswers_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("not JSON") << QByteArray("<html>login</html>");
    QTest::newRow("a JSON array") << QByteArray("[]");
    QTest::newRow("no access token") << QByteArray(R"({"expires_in":300})");
    QTest::newRow("an access token that is a number")
        << QByteArray(R"({"access_token":5,"expires_in":300})");
    QTest::newRow("no expiry") << QByteArray(R"({"access_token":"a"})");
    QTest::newRow("an expiry as text") << QByteArray(R"({"access_token":"a","expires_in":"300"})");
    QTest::newRow("a negative expiry") << QByteArray(R"({"access_token":"a","expires_in":-1})");
    QTest::newRow("a refresh token that is an object")
        << QByteArray(R"({"access_token":"a","expires_in":300,"refresh_token":{}})");
}

void TestKeycloakTokenResponse::refusesMalformedAnswers()
{
    QFETCH(QByteArray, body);
    const auto tokens = KeycloakTokens::fromTokenResponse(body, 0);
    QVERIFY(!tokens.ok());
    QCOMPARE(tokens.error().code, QStringLiteral("malformed_response"));
    QVERIFY(!tokens.error().message.isEmpty());
}

QTEST_GUILESS_MAIN(TestKeycloakTokenResponse)
#include "tst_keycloaktokenresponse.moc"
