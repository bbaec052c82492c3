// KeycloakSession and KeycloakJob against a fake Keycloak on loopback: token
// reuse and refresh before expiry (with a manual clock), malformed answers,
// cancelling and destroying jobs in flight.
#include "core/Clock.h"
#include "keycloak/KeycloakAdmin.h"
#include "keycloak/KeycloakSession.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QUrlQuery>

using namespace ProxySmart;

class TestKeycloakSession : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void signsInOnceAndReusesTheToken();
    void refreshesShortlyBeforeExpiry();
    void signsInAgainWhenTheRefreshTokenIsRefused();
    void refusedCredentialsGiveOneClearError();
    void malformedAnswers_data();
    void malformedAnswers();
    void cancelAbortsTheRequest();
    void destroyingARunningJobIsSafe();
    void noCredentialsIsAnError();
    void browserTokensExpireWhenTheRefreshIsRefused();

private:
    std::unique_ptr<KeycloakSession> makeSession();

    std::unique_ptr<QHttpServer> m_server;
    quint16 m_port = 0;
    int m_tokenCalls = 0;
    QStringList m_grants;
    int m_status = 200;
    QByteArray m_clients = "[]";
    bool m_refuseRefresh = false;
    ManualClock m_clock {1000000};
};

void TestKeycloakSession::init()
{
    m_tokenCalls = 0;
    m_grants.clear();
    m_status = 200;
    m_clients = "[]";
    m_refuseRefresh = false;
    m_server = std::make_unique<QHttpServer>();
    m_server->route(
        QStringLiteral("/realms/master/protocol/openid-connect/token"),
        [this](const QHttpServerRequest &request) {
            ++m_tokenCalls;
            const QUrlQuery form(QString::fromUtf8(request.body()));
            const QString grant = form.queryItemValue(QStringLiteral("grant_type"));
            m_grants << grant;
            if (form.queryItemValue(QStringLiteral("password")) == u"wrong")
                return QHttpServerResponse(
                    QJsonObject {{QStringLiteral("error"), QStringLiteral("invalid_grant")},
                                 {QStringLiteral("error_description"),
                                  QStringLiteral("Invalid user credentials")}},
                    QHttpServerResponder::StatusCode::Unauthorized);
            if (grant == u"refresh_token" && m_refuseRefresh)
                return QHttpServerResponse(
                    QJsonObject {{QStringLiteral("error"), QStringLiteral("invalid_grant")}},
                    QHttpServerResponder::StatusCode::BadRequest);
            return QHttpServerResponse(QJsonObject {
                {QStringLiteral("access_token"), QStringLiteral("token-%1").arg(m_tokenCalls)},
                {QStringLiteral("expires_in"), 60},
                {QStringLiteral("refresh_token"), QStringLiteral("refresh")},
                {QStringLiteral("refresh_expires_in"), 1800}});
        });
    m_server->route(QStringLiteral("/admin/realms/test/clients"), [this] {
        return QHttpServerResponse(QByteArrayLiteral("application/json"), m_clients,
                                   QHttpServerResponder::StatusCode(m_status));
    });
    m_port = m_server->listen(QHostAddress::LocalHost, 0);
    QVERIFY(m_port != 0);
}

void TestKeycloakSession::cleanup()
{
    m_server.reset();
}

std::unique_ptr<KeycloakSession> TestKeycloakSession::makeSession()
{
    auto session = std::make_unique<KeycloakSession>(
        QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)), QStringLiteral("test"));
    session->setClock(&m_clock);
    session->setCredentials(
        KeycloakCredentials::adminUser(QStringLiteral("admin"), QStringLiteral("right")));
    session->setTimeoutMs(5000);
    return session;
}

void TestKeycloakSession::signsInOnceAndReusesTheToken()
{
    auto session = makeSession();
    KeycloakAdmin admin(session.get());
    QSignalSpy signedIn(session.get(), &KeycloakSession::signedIn);
    auto first = admin.listApps();
    auto second = admin.listApps();
    first->start();
    second->start(); // waits for the same sign-in
    QVERIFY(first->runSynchronously(5000));
    QVERIFY(second->runSynchronously(5000));
    QCOMPARE(m_tokenCalls, 1);
    QCOMPARE(signedIn.count(), 1);
    QVERIFY(admin.listApps()->runSynchronously(5000));
    QCOMPARE(m_tokenCalls, 1);
}

void TestKeycloakSession::refreshesShortlyBeforeExpiry()
{
    auto session = makeSession();
    KeycloakAdmin admin(session.get());
    QVERIFY(admin.listApps()->runSynchronously(5000));
    m_clock.advanceSecs(40); // 20 s left of 60: still good
    QVERIFY(admin.listApps()->runSynchronously(5000));
    QCOMPARE(m_tokenCalls, 1);
    m_clock.advanceSecs(10); // 10 s left: renew before it runs out
    QVERIFY(admin.listApps()->runSynchronously(5000));
    QCOMPARE(m_tokenCalls, 2);
    QCOMPARE(m_grants, (QStringList {QStringLiteral("password"), QStringLiteral("refresh_token")}));
}

void TestKeycloakSession::signsInAgainWhenTheRefreshTokenIsRefused()
{
    auto session = makeSession();
    KeycloakAdmin admin(session.get());
    QVERIFY(admin.listApps()->runSynchronously(5000));
    m_refuseRefresh = true;
    m_clock.advanceSecs(100);
    QVERIFY(admin.listApps()->runSynchronously(5000));
    QCOMPARE(m_grants,
             (QStringList {QStringLiteral("password"), QStringLiteral("refresh_token"),
                           QStringLiteral("password")}));
}

void TestKeycloakSession::refusedCredentialsGiveOneClearError()
{
    auto session = makeSession();
    session->setCredentials(
        KeycloakCredentials::adminUser(QStringLiteral("admin"), QStringLiteral("wrong")));
    KeycloakAdmin admin(session.get());
    auto job = admin.listApps();
    QSignalSpy failed(job.get(), &KeycloakJob::failed);
    QVERIFY(!job->runSynchronously(5000));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(job->error().httpStatus, 401);
    QCOMPARE(job->error().code, QStringLiteral("sign_in_refused"));
    QCOMPARE(job->error().keycloakMessage, QStringLiteral("Invalid user credentials"));
    QVERIFY2(
        job->error().message().startsWith(u"listing apps (signing in to Keycloak as user 'admin')"),
        qPrintable(job->error().message()));
    QVERIFY(!job->error().message().contains(u"wrong"));
}

void TestKeycloakSession::malformedAnswers_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("an HTML page instead of JSON") << QByteArray("<html>oops</html>");
    QTest::newRow("an object instead of a list") << QByteArray(R"({"clients":[]})");
    QTest::newRow("a client that is a number") << QByteArray("[1]");
    QTest::newRow("a client id that is a number") << QByteArray(R"([{"id":"u","clientId":7}])");
    QTest::newRow("redirect URIs that are an object")
        << QByteArray(R"([{"id":"u","clientId":"a","redirectUris":{}}])");
}

void TestKeycloakSession::malformedAnswers()
{
    QFETCH(QByteArray, body);
    m_clients = body;
    auto session = makeSession();
    KeycloakAdmin admin(session.get());
    auto job = admin.listApps();
    QVERIFY(!job->runSynchronously(5000));
    QCOMPARE(job->error().code, QStringLiteral("malformed_response"));
    QVERIFY(!job->error().keycloakMessage.isEmpty());
}

void TestKeycloakSession::cancelAbortsTheRequest()
{
    QTcpServer silent; // accepts and never answers
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort())),
                            QStringLiteral("test"));
    session.setCredentials(
        KeycloakCredentials::adminUser(QStringLiteral("a"), QStringLiteral("b")));
    KeycloakAdmin admin(&session);
    auto job = admin.listApps();
    QSignalSpy failed(job.get(), &KeycloakJob::failed);
    job->start();
    QTRY_VERIFY(silent.hasPendingConnections() || silent.findChildren<QObject *>().size() > 0);
    job->cancel();
    QCOMPARE(failed.count(), 1);
    QCOMPARE(job->error().code, QStringLiteral("cancelled"));
    job->cancel();
    QCOMPARE(failed.count(), 1);
}

void TestKeycloakSession::destroyingARunningJobIsSafe()
{
    auto session = makeSession();
    KeycloakAdmin admin(session.get());
    {
        auto job = admin.listApps();
        job->start();
    } // destroyed while signing in
    QTest::qWait(200);
    QVERIFY(admin.listApps()->runSynchronously(5000));
}

void TestKeycloakSession::noCredentialsIsAnError()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)),
                            QStringLiteral("test"));
    KeycloakAdmin admin(&session);
    auto job = admin.listApps();
    QVERIFY(!job->runSynchronously(5000));
    QCOMPARE(job->error().code, QStringLiteral("not_signed_in"));
}

void TestKeycloakSession::browserTokensExpireWhenTheRefreshIsRefused()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)),
                            QStringLiteral("test"));
    session.setClock(&m_clock);
    KeycloakTokens tokens;
    tokens.accessToken = QStringLiteral("from-the-browser");
    tokens.accessLifetime = 60;
    tokens.accessExpiresAt = m_clock.nowSecs() - 1;
    tokens.refreshToken = QStringLiteral("refresh");
    session.setTokens(tokens, QStringLiteral("master"), QStringLiteral("admin-app"));
    KeycloakAdmin admin(&session);
    QVERIFY(admin.listApps()->runSynchronously(5000)); // refreshed
    QCOMPARE(m_grants, QStringList {QStringLiteral("refresh_token")});
    m_refuseRefresh = true;
    m_clock.advanceSecs(100);
    auto job = admin.listApps();
    QVERIFY(!job->runSynchronously(5000));
    QCOMPARE(job->error().code, QStringLiteral("not_signed_in"));
    QVERIFY(job->error().message().contains(u"sign in again"));
}

QTEST_GUILESS_MAIN(TestKeycloakSession)
#include "tst_keycloaksession.moc"
