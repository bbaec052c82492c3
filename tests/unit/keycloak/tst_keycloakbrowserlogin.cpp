// The browser sign-in's own parts, without Keycloak: the PKCE challenge, the
// authorization URL and the loopback listener's checks.
#include "keycloak/KeycloakBrowserLogin.h"
#include "keycloak/KeycloakSession.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

using namespace ProxySmart;

class TestKeycloakBrowserLogin : public QObject
{
    Q_OBJECT

private slots:
    void codeChallengeMatchesRfc7636();
    void authorizationUrlAsksForPkceS256OnLoopback();
    void wrongStateFailsTheSignIn();
    void errorFromKeycloakFailsTheSignIn();
    void otherPathsAreNotFound();
    void cancelStopsListening();

private:
    int get(const QUrl &url);
    QNetworkAccessManager m_network;
};

int TestKeycloakBrowserLogin::get(const QUrl &url)
{
    QNetworkReply *reply = m_network.get(QNetworkRequest(url));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(5000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

void TestKeycloakBrowserLogin::codeChallengeMatchesRfc7636()
{
    // RFC 7636, appendix B.
    QCOMPARE(KeycloakBrowserLogin::codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
             QByteArray("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
}

void TestKeycloakBrowserLogin::authorizationUrlAsksForPkceS256OnLoopback()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:9")), QStringLiteral("clinic"));
    KeycloakBrowserLogin login(&session, QStringLiteral("master"),
                               QStringLiteral("proxy-smart-admin"));
    const QUrl url = login.start();
    QCOMPARE(url.path(), QStringLiteral("/realms/master/protocol/openid-connect/auth"));
    const QUrlQuery query(url);
    QCOMPARE(query.queryItemValue(QStringLiteral("code_challenge_method")), QStringLiteral("S256"));
    QCOMPARE(query.queryItemValue(QStringLiteral("code_challenge")).size(), 43);
    QCOMPARE(query.queryItemValue(QStringLiteral("state")).size(), 43);
    QCOMPARE(query.queryItemValue(QStringLiteral("response_type")), QStringLiteral("code"));
    const QUrl redirect(query.queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded));
    QCOMPARE(redirect.host(), QStringLiteral("127.0.0.1"));
    QVERIFY(redirect.port() > 0);
    QCOMPARE(redirect, login.redirectUri());
}

void TestKeycloakBrowserLogin::wrongStateFailsTheSignIn()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:9")), QStringLiteral("clinic"));
    KeycloakBrowserLogin login(&session, QStringLiteral("master"), QStringLiteral("c"));
    QSignalSpy failed(&login, &KeycloakBrowserLogin::failed);
    QSignalSpy succeeded(&login, &KeycloakBrowserLogin::succeeded);
    login.start();
    QUrl callback = login.redirectUri();
    callback.setQuery(QStringLiteral("state=forged&code=abc"));
    QCOMPARE(get(callback), 400);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().first().value<KeycloakError>().code, QStringLiteral("state_mismatch"));
    QCOMPARE(succeeded.count(), 0);
}

void TestKeycloakBrowserLogin::errorFromKeycloakFailsTheSignIn()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:9")), QStringLiteral("clinic"));
    KeycloakBrowserLogin login(&session, QStringLiteral("master"), QStringLiteral("c"));
    QSignalSpy failed(&login, &KeycloakBrowserLogin::failed);
    const QUrl url = login.start();
    const QString state = QUrlQuery(url).queryItemValue(QStringLiteral("state"));
    QUrl callback = login.redirectUri();
    callback.setQuery(
        QStringLiteral("state=%1&error=access_denied&error_description=User%20cancelled")
            .arg(state));
    QCOMPARE(get(callback), 200);
    QCOMPARE(failed.count(), 1);
    const KeycloakError error = failed.first().first().value<KeycloakError>();
    QCOMPARE(error.code, QStringLiteral("sign_in_refused"));
    QCOMPARE(error.keycloakMessage, QStringLiteral("User cancelled"));
}

void TestKeycloakBrowserLogin::otherPathsAreNotFound()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:9")), QStringLiteral("clinic"));
    KeycloakBrowserLogin login(&session, QStringLiteral("master"), QStringLiteral("c"));
    QSignalSpy failed(&login, &KeycloakBrowserLogin::failed);
    login.start();
    QUrl other = login.redirectUri();
    other.setPath(QStringLiteral("/favicon.ico"));
    QCOMPARE(get(other), 404);
    QCOMPARE(failed.count(), 0);
}

void TestKeycloakBrowserLogin::cancelStopsListening()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:9")), QStringLiteral("clinic"));
    KeycloakBrowserLogin login(&session, QStringLiteral("master"), QStringLiteral("c"));
    QSignalSpy failed(&login, &KeycloakBrowserLogin::failed);
    login.start();
    login.cancel();
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().first().value<KeycloakError>().code, QStringLiteral("cancelled"));
    QTest::qWait(50);
    QCOMPARE(get(login.redirectUri()), 0); // nobody listens any more
}

QTEST_GUILESS_MAIN(TestKeycloakBrowserLogin)
#include "tst_keycloakbrowserlogin.moc"
