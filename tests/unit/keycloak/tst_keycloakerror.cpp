// How a failed Keycloak answer becomes one clear error.
#include "keycloak/KeycloakError.h"

#include <QTest>

using namespace ProxySmart;

class TestKeycloakError : public QObject
{
    Q_OBJECT

private slots:
    void fromResponse_data();
    void fromResponse();
    void messageNamesOperationReasonAndStatus();
};

void TestKeycloakError::fromResponse_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("networkError");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("keycloakMessage");

    QTest::newRow("an admin API conflict carries Keycloak's errorMessage")
        << 409 << QByteArray(R"({"errorMessage":"Client app-1 already exists"})") << QString()
        << "conflict"
        << "Client app-1 already exists";
    QTest::newRow("a token endpoint refusal carries error_description")
        << 401
        << QByteArray(R"({"error":"invalid_grant","error_description":"Invalid user credentials"})")
        << QString() << "unauthorized"
        << "Invalid user credentials";
    QTest::newRow("an OAuth error without description carries the error")
        << 400 << QByteArray(R"({"error":"unauthorized_client"})") << QString() << "bad_request"
        << "unauthorized_client";
    QTest::newRow("an HTML error page gives no reason rather than markup")
        << 502 << QByteArray("<html><body>Bad gateway</body></html>") << QString() << "server_error"
        << "Keycloak gave no reason";
    QTest::newRow("an errorMessage of the wrong type is ignored")
        << 404 << QByteArray(R"({"errorMessage":42,"error":"not found"})") << QString()
        << "not_found"
        << "not found";
    QTest::newRow("no answer at all says Keycloak is unreachable")
        << 0 << QByteArray() << "Connection refused"
        << "network"
        << "Keycloak is unreachable (Connection refused)";
    QTest::newRow("Keycloak's bare HTTP 403 becomes a sentence")
        << 403 << QByteArray(R"({"error":"HTTP 403 Forbidden"})") << QString() << "forbidden"
        << "the signed-in account lacks the role for this";
    QTest::newRow("a forbidden call is forbidden")
        << 403 << QByteArray(R"({"error":"unknown_error"})") << QString() << "forbidden"
        << "unknown_error";
}

void TestKeycloakError::fromResponse()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, networkError);
    QFETCH(QString, code);
    QFETCH(QString, keycloakMessage);
    const KeycloakError error =
        KeycloakError::fromResponse(QStringLiteral("doing it"), status, body, networkError);
    QCOMPARE(error.code, code);
    QCOMPARE(error.keycloakMessage, keycloakMessage);
    QCOMPARE(error.httpStatus, status);
    QCOMPARE(error.operation, QStringLiteral("doing it"));
}

void TestKeycloakError::messageNamesOperationReasonAndStatus()
{
    const KeycloakError error =
        KeycloakError::fromResponse(QStringLiteral("registering app 'growth-chart'"), 409,
                                    R"({"errorMessage":"Client growth-chart already exists"})");
    QCOMPARE(error.message(),
             QStringLiteral("registering app 'growth-chart' failed: Client growth-chart already "
                            "exists (HTTP 409)"));
    const KeycloakError local =
        KeycloakError::make(QStringLiteral("reading app 'x'"), QStringLiteral("not_found"),
                            QStringLiteral("there is no app 'x'"));
    QCOMPARE(local.message(), QStringLiteral("reading app 'x' failed: there is no app 'x'"));
}

QTEST_GUILESS_MAIN(TestKeycloakError)
#include "tst_keycloakerror.moc"
