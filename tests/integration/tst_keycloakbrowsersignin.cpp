// The browser sign-in against the real Keycloak: the test plays the browser
// (it opens the authorization URL, posts the login form with cookies kept and
// follows the redirect to the loopback listener), then the session it signed
// in administers Keycloak and refreshes its token. A public client of the
// master realm is created for the test and removed afterwards.
#include "TestServers.h"

#include "keycloak/KeycloakAdmin.h"
#include "keycloak/KeycloakBrowserLogin.h"
#include "keycloak/KeycloakSession.h"

#include <QNetworkCookie>
#include <QNetworkCookieJar>
#include <QRandomGenerator>
#include <QRegularExpression>

using namespace ProxySmart;
using namespace ProxySmart::TestServers;

namespace {

// Browsers treat http://127.0.0.1 as a secure context and send it the
// Secure cookies Keycloak sets; QNetworkCookieJar does not, so this one
// drops the flag for loopback.
class LoopbackCookieJar : public QNetworkCookieJar
{
public:
    bool setCookiesFromUrl(const QList<QNetworkCookie> &cookies, const QUrl &url) override
    {
        QList<QNetworkCookie> loopback = cookies;
        if (url.host() == u"127.0.0.1") {
            for (QNetworkCookie &cookie : loopback)
                cookie.setSecure(false);
        }
        return QNetworkCookieJar::setCookiesFromUrl(loopback, url);
    }
};

} // namespace

class TestKeycloakBrowserSignIn : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void browserSignInAdministersKeycloak();
    void wrongPasswordKeepsTheSignInOpen();

private:
    struct BrowserAnswer
    {
        int status = 0;
        QByteArray body;
        QUrl location;
    };
    static BrowserAnswer browse(QNetworkAccessManager &browser, const QNetworkRequest &request,
                                const QByteArray &form = {});
    // Plays the browser up to the login form's answer.
    BrowserAnswer submitLogin(QNetworkAccessManager &browser, const QUrl &authorizationUrl,
                              const QString &password);

    QNetworkAccessManager m_network;
    QString m_clientId;
    QString m_clientUuid;
};

void TestKeycloakBrowserSignIn::initTestCase()
{
    m_clientId = QStringLiteral("it-browser-%1-%2")
                     .arg(QCoreApplication::applicationPid())
                     .arg(QRandomGenerator::global()->generate() % 1000000);
    QNetworkRequest request(QUrl(keycloakUrl() + QStringLiteral("/admin/realms/master/clients")));
    request.setRawHeader("Authorization", "Bearer " + adminToken(m_network).toUtf8());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QJsonObject client {
        {QStringLiteral("clientId"), m_clientId},
        {QStringLiteral("publicClient"), true},
        {QStringLiteral("standardFlowEnabled"), true},
        {QStringLiteral("directAccessGrantsEnabled"), false},
        {QStringLiteral("redirectUris"), QJsonArray {QStringLiteral("http://127.0.0.1/*")}},
        {QStringLiteral("attributes"),
         QJsonObject {{QStringLiteral("pkce.code.challenge.method"), QStringLiteral("S256")}}}};
    QNetworkReply *reply = m_network.post(request, QJsonDocument(client).toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(30000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
    const QString location = QString::fromUtf8(reply->rawHeader("Location"));
    m_clientUuid = location.mid(location.lastIndexOf(u'/') + 1);
    reply->deleteLater();
}

void TestKeycloakBrowserSignIn::cleanupTestCase()
{
    if (m_clientUuid.isEmpty())
        return;
    QNetworkRequest request(
        QUrl(keycloakUrl() + QStringLiteral("/admin/realms/master/clients/") + m_clientUuid));
    request.setRawHeader("Authorization", "Bearer " + adminToken(m_network).toUtf8());
    QCOMPARE(send(m_network, "DELETE", request).status, 204);
}

TestKeycloakBrowserSignIn::BrowserAnswer
TestKeycloakBrowserSignIn::browse(QNetworkAccessManager &browser, const QNetworkRequest &request,
                                  const QByteArray &form)
{
    QNetworkReply *reply = form.isEmpty() ? browser.get(request) : browser.post(request, form);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(30000);
    BrowserAnswer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    answer.location = reply->url().resolved(QUrl(QString::fromUtf8(reply->rawHeader("Location"))));
    reply->deleteLater();
    return answer;
}

TestKeycloakBrowserSignIn::BrowserAnswer
TestKeycloakBrowserSignIn::submitLogin(QNetworkAccessManager &browser, const QUrl &authorizationUrl,
                                       const QString &password)
{
    const BrowserAnswer page = browse(browser, QNetworkRequest(authorizationUrl));
    if (page.status != 200)
        return page;
    static const QRegularExpression formAction(QStringLiteral("<form[^>]*action=\"([^\"]+)\""));
    const auto match = formAction.match(QString::fromUtf8(page.body));
    if (!match.hasMatch())
        return BrowserAnswer {0, page.body, {}};
    QString action = match.captured(1);
    action.replace(QStringLiteral("&amp;"), QStringLiteral("&"));
    QNetworkRequest post {QUrl(action)};
    post.setHeader(QNetworkRequest::ContentTypeHeader,
                   QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("username"), requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER"));
    form.addQueryItem(QStringLiteral("password"), password);
    form.addQueryItem(QStringLiteral("credentialId"), QString());
    QByteArray body = form.toString(QUrl::FullyEncoded).toUtf8();
    body.replace('+', "%2B");
    return browse(browser, post, body);
}

void TestKeycloakBrowserSignIn::browserSignInAdministersKeycloak()
{
    KeycloakSession session(QUrl(keycloakUrl()), realm());
    KeycloakBrowserLogin login(&session, QStringLiteral("master"), m_clientId);
    QSignalSpy succeeded(&login, &KeycloakBrowserLogin::succeeded);
    QSignalSpy failed(&login, &KeycloakBrowserLogin::failed);
    const QUrl authorizationUrl = login.start();
    QVERIFY(authorizationUrl.isValid());

    QNetworkAccessManager browser; // keeps cookies; redirects are followed by hand
    browser.setCookieJar(new LoopbackCookieJar);
    browser.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    const BrowserAnswer answer =
        submitLogin(browser, authorizationUrl, requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD"));
    QVERIFY2(answer.status == 302,
             QString::fromUtf8(answer.body)
                 .remove(QRegularExpression(QStringLiteral("<[^>]*>")))
                 .simplified()
                 .left(600)
                 .toUtf8()
                 .constData());
    // Keycloak sends the browser to the loopback listener with the code.
    QCOMPARE(answer.location.host(), QStringLiteral("127.0.0.1"));
    QCOMPARE(answer.location.port(), login.redirectUri().port());
    const BrowserAnswer landing = browse(browser, QNetworkRequest(answer.location));
    QCOMPARE(landing.status, 200);
    QVERIFY(landing.body.contains("You can close this window"));
    QTRY_COMPARE_WITH_TIMEOUT(succeeded.count() + failed.count(), 1, 30000);
    QCOMPARE(succeeded.count(), 1);

    KeycloakAdmin admin(&session);
    auto apps = admin.listApps();
    QVERIFY2(apps->runSynchronously(30000), qPrintable(apps->error().message()));
    QVERIFY(!apps->resultAs<QList<SmartApp>>().isEmpty());

    // With the access token gone, the session refreshes with the browser's refresh token.
    session.invalidateToken();
    auto again = admin.listScopes();
    QVERIFY2(again->runSynchronously(30000), qPrintable(again->error().message()));

    // A second visit to the listener is answered but changes nothing.
    QCOMPARE(browse(browser, QNetworkRequest(answer.location)).status, 0);
}

void TestKeycloakBrowserSignIn::wrongPasswordKeepsTheSignInOpen()
{
    KeycloakSession session(QUrl(keycloakUrl()), realm());
    KeycloakBrowserLogin login(&session, QStringLiteral("master"), m_clientId);
    QSignalSpy succeeded(&login, &KeycloakBrowserLogin::succeeded);
    QSignalSpy failed(&login, &KeycloakBrowserLogin::failed);
    const QUrl authorizationUrl = login.start();
    QNetworkAccessManager browser;
    browser.setCookieJar(new LoopbackCookieJar);
    browser.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    const BrowserAnswer answer =
        submitLogin(browser, authorizationUrl, QStringLiteral("wrong-password"));
    // Keycloak shows the form again; nothing reaches the listener.
    QCOMPARE(answer.status, 200);
    QVERIFY(answer.body.contains("Invalid username or password"));
    QTest::qWait(200);
    QCOMPARE(succeeded.count() + failed.count(), 0);
    login.cancel();
    QCOMPARE(failed.count(), 1);
}

QTEST_GUILESS_MAIN(TestKeycloakBrowserSignIn)
#include "tst_keycloakbrowsersignin.moc"
