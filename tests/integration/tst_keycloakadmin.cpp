// The Keycloak admin library against the real Keycloak: sign-in (admin user,
// service account, bad password, unreachable server), SMART apps (all four
// types, all-or-nothing register, 409 conflict, update, rotate, delete),
// scopes and users. Every object is uniquely named and removed afterwards.
#include "TestServers.h"

#include "core/Clock.h"
#include "keycloak/KeycloakAdmin.h"
#include "keycloak/KeycloakSession.h"
#include "keycloak/SmartScopeCatalogue.h"

#include <QRandomGenerator>

using namespace ProxySmart;
using namespace ProxySmart::TestServers;

namespace {

const QString kJwks = QStringLiteral(
    R"({"keys":[{"kty":"RSA","kid":"it-1","alg":"RS384","use":"sig","e":"AQAB","n":"u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw"}]})");

QString uniqueName(const char *prefix)
{
    return QStringLiteral("%1-%2-%3")
        .arg(QLatin1String(prefix))
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::global()->generate() % 1000000);
}

} // namespace

class TestKeycloakAdmin : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void adminUserSignsIn();
    void serviceAccountReadsTheClientRegistry();
    void wrongPasswordIsRefusedWithKeycloaksMessage();
    void unreachableServerIsANetworkError();
    void expiringTokenIsRefreshedBeforeUse();

    void registersEachTypeOfApp_data();
    void registersEachTypeOfApp();
    void registeringAnExistingClientIdIsA409Conflict();
    void failedRegisterRemovesWhatItCreated();
    void updateChangesFieldsAndScopes();
    void failedUpdatePutsTheClientBack();
    void rotateSecretGivesANewWorkingSecret();
    void deleteRemovesTheApp();
    void missingAppIsNotFound();

    void scopeCatalogueIsInTheTestRealm();
    void ensureScopeCatalogueIsIdempotent();

    void userLifecycle();
    void linkRefusesAReferenceThatIsNoUser();

private:
    std::unique_ptr<KeycloakSession> adminSession(const QString &password = {});
    bool run(KeycloakJob &job);
    QString passwordGrant(const QString &username, const QString &password);
    QString clientCredentialsGrant(const QString &clientId, const QString &secret);

    std::unique_ptr<KeycloakSession> m_session;
    std::unique_ptr<KeycloakAdmin> m_admin;
    QStringList m_appsToDelete;
    QStringList m_usersToDelete;
    QNetworkAccessManager m_network;
};

std::unique_ptr<KeycloakSession> TestKeycloakAdmin::adminSession(const QString &password)
{
    auto session = std::make_unique<KeycloakSession>(QUrl(keycloakUrl()), realm());
    session->setCredentials(KeycloakCredentials::adminUser(
        requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER"),
        password.isEmpty() ? requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD") : password));
    return session;
}

bool TestKeycloakAdmin::run(KeycloakJob &job)
{
    const bool ok = job.runSynchronously(60000);
    if (!ok)
        qWarning().noquote() << job.error().message();
    return ok;
}

QString TestKeycloakAdmin::passwordGrant(const QString &username, const QString &password)
{
    QNetworkRequest request(QUrl(keycloakUrl() + QStringLiteral("/realms/") + realm()
                                 + QStringLiteral("/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("password"));
    form.addQueryItem(QStringLiteral("client_id"), QStringLiteral("proxy-smart-test-tool"));
    form.addQueryItem(QStringLiteral("client_secret"),
                      QStringLiteral("proxy-smart-test-tool-secret"));
    form.addQueryItem(QStringLiteral("username"), username);
    form.addQueryItem(QStringLiteral("password"), password);
    const HttpResult result =
        send(m_network, "POST", request, form.toString(QUrl::FullyEncoded).toUtf8());
    return result.json().object().value(u"access_token").toString();
}

QString TestKeycloakAdmin::clientCredentialsGrant(const QString &clientId, const QString &secret)
{
    QNetworkRequest request(QUrl(keycloakUrl() + QStringLiteral("/realms/") + realm()
                                 + QStringLiteral("/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.addQueryItem(QStringLiteral("client_id"), clientId);
    form.addQueryItem(QStringLiteral("client_secret"), secret);
    const HttpResult result =
        send(m_network, "POST", request, form.toString(QUrl::FullyEncoded).toUtf8());
    return result.json().object().value(u"error").toString();
}

void TestKeycloakAdmin::initTestCase()
{
    m_session = adminSession();
    m_admin = std::make_unique<KeycloakAdmin>(m_session.get());
}

void TestKeycloakAdmin::cleanupTestCase()
{
    for (const QString &clientId : std::as_const(m_appsToDelete))
        m_admin->deleteApp(clientId)->runSynchronously(30000);
    for (const QString &username : std::as_const(m_usersToDelete))
        m_admin->deleteUser(username)->runSynchronously(30000);
}

void TestKeycloakAdmin::adminUserSignsIn()
{
    auto session = adminSession();
    QSignalSpy signedIn(session.get(), &KeycloakSession::signedIn);
    auto job = session->signIn();
    QVERIFY(run(*job));
    QCOMPARE(signedIn.count(), 1);
    QVERIFY(session->hasValidToken());
}

void TestKeycloakAdmin::serviceAccountReadsTheClientRegistry()
{
    // The test realm's gateway client has just view-clients and query-clients.
    KeycloakSession session(QUrl(keycloakUrl()), realm());
    session.setCredentials(
        KeycloakCredentials::serviceAccount(realm(), QStringLiteral("proxy-smart-gateway"),
                                            QStringLiteral("proxy-smart-gateway-secret")));
    KeycloakAdmin admin(&session);
    auto list = admin.listApps();
    QVERIFY(run(*list));
    QStringList clientIds;
    for (const SmartApp &app : list->resultAs<QList<SmartApp>>())
        clientIds << app.clientId;
    QVERIFY(clientIds.contains(QStringLiteral("smart-public-app")));
    QVERIFY(!clientIds.contains(QStringLiteral("realm-management")));

    // … and may not change it.
    SmartApp app;
    app.clientId = uniqueName("forbidden");
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    auto job = admin.registerApp(app);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().httpStatus, 403);
    QCOMPARE(job->error().code, QStringLiteral("forbidden"));
}

void TestKeycloakAdmin::wrongPasswordIsRefusedWithKeycloaksMessage()
{
    auto session = adminSession(QStringLiteral("not-the-password"));
    KeycloakAdmin admin(session.get());
    auto job = admin.listApps();
    QSignalSpy failed(job.get(), &KeycloakJob::failed);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(failed.count(), 1);
    QVERIFY2(job->error().httpStatus == 400 || job->error().httpStatus == 401,
             qPrintable(job->error().message()));
    QCOMPARE(job->error().code, QStringLiteral("sign_in_refused"));
    QCOMPARE(job->error().keycloakMessage, QStringLiteral("Invalid user credentials"));
    QVERIFY(job->error().message().contains(u"listing apps"));
    QVERIFY(!job->error().message().contains(u"not-the-password"));
}

void TestKeycloakAdmin::unreachableServerIsANetworkError()
{
    KeycloakSession session(QUrl(QStringLiteral("http://127.0.0.1:1")), realm());
    session.setCredentials(
        KeycloakCredentials::adminUser(QStringLiteral("a"), QStringLiteral("b")));
    KeycloakAdmin admin(&session);
    auto job = admin.listApps();
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().httpStatus, 0);
    QCOMPARE(job->error().code, QStringLiteral("network"));
    QVERIFY2(job->error().message().contains(u"unreachable"), qPrintable(job->error().message()));
}

void TestKeycloakAdmin::expiringTokenIsRefreshedBeforeUse()
{
    ManualClock clock(QDateTime::currentSecsSinceEpoch());
    auto session = adminSession();
    session->setClock(&clock);
    QSignalSpy signedIn(session.get(), &KeycloakSession::signedIn);
    QVERIFY(run(*session->signIn()));
    const qint64 firstExpiry = session->tokenExpiresAt();
    clock.setSecs(firstExpiry - 5); // about to expire: renewed before the next call
    QVERIFY(!session->hasValidToken());
    auto job = KeycloakAdmin(session.get()).listScopes();
    QVERIFY(run(*job));
    QVERIFY(session->tokenExpiresAt() > firstExpiry);
    QCOMPARE(signedIn.count(), 1); // refreshed, not signed in again
}

void TestKeycloakAdmin::registersEachTypeOfApp_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("a public app") << int(SmartApp::Type::Public);
    QTest::newRow("a confidential app with a secret") << int(SmartApp::Type::Confidential);
    QTest::newRow("a confidential app with a JWKS") << int(SmartApp::Type::ConfidentialJwks);
    QTest::newRow("a backend service with a JWKS URL") << int(SmartApp::Type::Backend);
}

void TestKeycloakAdmin::registersEachTypeOfApp()
{
    QFETCH(int, type);
    SmartApp app;
    app.clientId = uniqueName("it-app");
    app.name = QStringLiteral("Integration test app");
    app.type = SmartApp::Type(type);
    app.launchUrl = QStringLiteral("https://app.example.org/launch");
    app.logoUrl = QStringLiteral("https://app.example.org/logo.png");
    if (app.type == SmartApp::Type::Backend) {
        app.jwksUrl = QStringLiteral("https://app.example.org/.well-known/jwks.json");
        app.scopes = {QStringLiteral("system/*.rs")};
    } else {
        app.redirectUris = {QStringLiteral("https://app.example.org/callback")};
        app.scopes = {QStringLiteral("launch"), QStringLiteral("openid"),
                      QStringLiteral("fhirUser"), QStringLiteral("patient/*.rs")};
        app.scopes.removeAll(QStringLiteral("openid")); // not a client scope in Keycloak
    }
    if (app.type == SmartApp::Type::ConfidentialJwks)
        app.jwks = kJwks;

    auto job = m_admin->registerApp(app);
    QSignalSpy finished(job.get(), &KeycloakJob::finished);
    QVERIFY(run(*job));
    QCOMPARE(finished.count(), 1);
    m_appsToDelete << app.clientId;
    const SmartApp registered = job->resultAs<SmartApp>();
    QVERIFY(!registered.id.isEmpty());
    QCOMPARE(registered.type, app.type);
    QCOMPARE(registered.secret.isEmpty(), app.type != SmartApp::Type::Confidential);

    auto read = m_admin->app(app.clientId);
    QVERIFY(run(*read));
    const SmartApp stored = read->resultAs<SmartApp>();
    QCOMPARE(stored.type, app.type);
    QCOMPARE(stored.redirectUris, app.redirectUris); // a single one: no order to lose
    QCOMPARE(stored.launchUrl, app.launchUrl);
    QCOMPARE(stored.logoUrl, app.logoUrl);
    QCOMPARE(stored.jwksUrl, app.jwksUrl);
    QCOMPARE(stored.jwks.isEmpty(), app.jwks.isEmpty());
    QStringList expectedScopes = app.scopes;
    expectedScopes.sort();
    QCOMPARE(stored.scopes, expectedScopes); // exactly these: Keycloak's defaults removed

    // What Keycloak itself says: PKCE S256 forced for the code flow.
    QNetworkRequest request(m_session->adminUrl(QStringLiteral("/clients/") + stored.id));
    request.setRawHeader("Authorization", "Bearer " + adminToken(m_network).toUtf8());
    const QJsonObject client = send(m_network, "GET", request).json().object();
    const QString pkce =
        client.value(u"attributes").toObject().value(u"pkce.code.challenge.method").toString();
    QCOMPARE(pkce, app.type == SmartApp::Type::Backend ? QString() : QStringLiteral("S256"));
    QCOMPARE(client.value(u"serviceAccountsEnabled").toBool(), app.type == SmartApp::Type::Backend);

    if (app.type == SmartApp::Type::Confidential)
        QCOMPARE(
            clientCredentialsGrant(app.clientId, registered.secret),
            QStringLiteral("unauthorized_client")); // the secret is right; the grant is not allowed
}

void TestKeycloakAdmin::registeringAnExistingClientIdIsA409Conflict()
{
    SmartApp app;
    app.clientId = QStringLiteral("smart-public-app");
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    auto job = m_admin->registerApp(app);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().httpStatus, 409);
    QCOMPARE(job->error().code, QStringLiteral("conflict"));
    QVERIFY2(job->error().keycloakMessage.contains(u"already exists"),
             qPrintable(job->error().keycloakMessage));
    QCOMPARE(job->error().operation, QStringLiteral("registering app 'smart-public-app'"));
    // The existing app is untouched.
    auto read = m_admin->app(QStringLiteral("smart-public-app"));
    QVERIFY(run(*read));
    QCOMPARE(read->resultAs<SmartApp>().type, SmartApp::Type::Public);
}

void TestKeycloakAdmin::failedRegisterRemovesWhatItCreated()
{
    // The client is created first; the unknown scope fails the next step,
    // and the client must be gone when failed() arrives.
    SmartApp app;
    app.clientId = uniqueName("it-half");
    app.type = SmartApp::Type::Confidential;
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    app.scopes = {QStringLiteral("launch"), QStringLiteral("patient/Spaceship.rs")};
    auto job = m_admin->registerApp(app);
    QSignalSpy failed(job.get(), &KeycloakJob::failed);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(job->error().code, QStringLiteral("unknown_scope"));
    QVERIFY(job->error().message().contains(u"patient/Spaceship.rs"));

    auto read = m_admin->app(app.clientId);
    QVERIFY(!read->runSynchronously(30000));
    QCOMPARE(read->error().code, QStringLiteral("not_found"));
}

void TestKeycloakAdmin::updateChangesFieldsAndScopes()
{
    SmartApp app;
    app.clientId = uniqueName("it-update");
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    app.scopes = {QStringLiteral("launch"), QStringLiteral("patient/*.rs")};
    QVERIFY(run(*m_admin->registerApp(app)));
    m_appsToDelete << app.clientId;

    app.redirectUris << QStringLiteral("http://127.0.0.1:7777/cb");
    app.launchUrl = QStringLiteral("https://app.example.org/launch2");
    app.enabled = false;
    app.scopes = {QStringLiteral("patient/*.rs"), QStringLiteral("fhirUser"),
                  QStringLiteral("offline_access")};
    auto job = m_admin->updateApp(app);
    QVERIFY(run(*job));
    const SmartApp updated = job->resultAs<SmartApp>();
    QStringList redirectUris = updated.redirectUris;
    redirectUris.sort(); // Keycloak keeps a set
    QCOMPARE(redirectUris,
             (QStringList {QStringLiteral("http://127.0.0.1:7777/cb"),
                           QStringLiteral("https://app.example.org/cb")}));
    QCOMPARE(updated.launchUrl, app.launchUrl);
    QCOMPARE(updated.enabled, false);
    QCOMPARE(updated.scopes,
             (QStringList {QStringLiteral("fhirUser"), QStringLiteral("offline_access"),
                           QStringLiteral("patient/*.rs")}));
}

void TestKeycloakAdmin::failedUpdatePutsTheClientBack()
{
    SmartApp app;
    app.clientId = uniqueName("it-update-back");
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    app.scopes = {QStringLiteral("launch")};
    QVERIFY(run(*m_admin->registerApp(app)));
    m_appsToDelete << app.clientId;

    SmartApp changed = app;
    changed.launchUrl = QStringLiteral("https://changed.example.org/launch");
    changed.scopes = {QStringLiteral("no-such-scope")};
    auto job = m_admin->updateApp(changed);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().code, QStringLiteral("unknown_scope"));
    auto read = m_admin->app(app.clientId);
    QVERIFY(run(*read));
    QCOMPARE(read->resultAs<SmartApp>().launchUrl, QString());
    QCOMPARE(read->resultAs<SmartApp>().scopes, QStringList {QStringLiteral("launch")});
}

void TestKeycloakAdmin::rotateSecretGivesANewWorkingSecret()
{
    SmartApp app;
    app.clientId = uniqueName("it-rotate");
    app.type = SmartApp::Type::Confidential;
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    auto registered = m_admin->registerApp(app);
    QVERIFY(run(*registered));
    m_appsToDelete << app.clientId;
    const QString oldSecret = registered->resultAs<SmartApp>().secret;

    auto rotate = m_admin->rotateSecret(app.clientId);
    QVERIFY(run(*rotate));
    const QString newSecret = rotate->resultAs<QString>();
    QVERIFY(!newSecret.isEmpty());
    QVERIFY(newSecret != oldSecret);
    QCOMPARE(clientCredentialsGrant(app.clientId, oldSecret),
             QStringLiteral("unauthorized_client"));
    QCOMPARE(clientCredentialsGrant(app.clientId, QStringLiteral("wrong")),
             QStringLiteral("unauthorized_client"));

    auto publicRotate = m_admin->rotateSecret(QStringLiteral("smart-public-app"));
    QVERIFY(!publicRotate->runSynchronously(30000));
    QCOMPARE(publicRotate->error().code, QStringLiteral("invalid_argument"));
}

void TestKeycloakAdmin::deleteRemovesTheApp()
{
    SmartApp app;
    app.clientId = uniqueName("it-delete");
    app.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    QVERIFY(run(*m_admin->registerApp(app)));
    QVERIFY(run(*m_admin->deleteApp(app.clientId)));
    auto again = m_admin->deleteApp(app.clientId);
    QVERIFY(!again->runSynchronously(30000));
    QCOMPARE(again->error().code, QStringLiteral("not_found"));
}

void TestKeycloakAdmin::missingAppIsNotFound()
{
    auto job = m_admin->app(uniqueName("it-missing"));
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().code, QStringLiteral("not_found"));
}

void TestKeycloakAdmin::scopeCatalogueIsInTheTestRealm()
{
    auto job = m_admin->listScopes();
    QVERIFY(run(*job));
    const QStringList scopes = job->resultAs<QStringList>();
    for (const QString &scope : SmartScopeCatalogue::scopes())
        QVERIFY2(scopes.contains(scope), qPrintable(scope));
}

void TestKeycloakAdmin::ensureScopeCatalogueIsIdempotent()
{
    auto job = m_admin->ensureScopeCatalogue();
    QVERIFY(run(*job));
    const SetupReport report = job->resultAs<SetupReport>();
    QCOMPARE(report.createdCount(), 0);
    QCOMPARE(report.items.size(), SmartScopeCatalogue::scopes().size() + 1);
}

void TestKeycloakAdmin::userLifecycle()
{
    KeycloakUser user;
    user.username = uniqueName("it-user");
    user.firstName = QStringLiteral("Ida");
    user.lastName = QStringLiteral("Test");
    user.email = user.username + QStringLiteral("@example.org");
    user.emailVerified = true;
    user.fhirUser = QStringLiteral("Patient/patient-03");
    auto create = m_admin->createUser(user, QStringLiteral("first-Password-1"), false);
    QVERIFY(run(*create));
    m_usersToDelete << user.username;
    const KeycloakUser created = create->resultAs<KeycloakUser>();
    QCOMPARE(created.fhirUser, user.fhirUser);
    QVERIFY(!passwordGrant(user.username, QStringLiteral("first-Password-1")).isEmpty());

    auto search = m_admin->searchUsers(user.username);
    QVERIFY(run(*search));
    const auto found = search->resultAs<QList<KeycloakUser>>();
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().email, user.email);

    auto link =
        m_admin->linkFhirUser(user.username, QStringLiteral("Practitioner/practitioner-03"));
    QVERIFY(run(*link));
    QCOMPARE(link->resultAs<KeycloakUser>().fhirUser,
             QStringLiteral("Practitioner/practitioner-03"));
    auto read = m_admin->user(user.username);
    QVERIFY(run(*read));
    QCOMPARE(read->resultAs<KeycloakUser>().fhirUser,
             QStringLiteral("Practitioner/practitioner-03"));
    QCOMPARE(read->resultAs<KeycloakUser>().firstName, QStringLiteral("Ida"));

    auto disable = m_admin->setUserEnabled(user.username, false);
    QVERIFY(run(*disable));
    QCOMPARE(disable->resultAs<KeycloakUser>().enabled, false);
    QVERIFY(passwordGrant(user.username, QStringLiteral("first-Password-1")).isEmpty());
    QVERIFY(run(*m_admin->setUserEnabled(user.username, true)));

    QVERIFY(
        run(*m_admin->resetPassword(user.username, QStringLiteral("second-Password-2"), false)));
    QVERIFY(passwordGrant(user.username, QStringLiteral("first-Password-1")).isEmpty());
    QVERIFY(!passwordGrant(user.username, QStringLiteral("second-Password-2")).isEmpty());

    auto actions = m_admin->setRequiredActions(user.username, {QStringLiteral("UPDATE_PASSWORD")});
    QVERIFY(run(*actions));
    QCOMPARE(actions->resultAs<KeycloakUser>().requiredActions,
             QStringList {QStringLiteral("UPDATE_PASSWORD")});

    QVERIFY(run(*m_admin->linkFhirUser(user.username, QString())));
    auto unlinked = m_admin->user(user.username);
    QVERIFY(run(*unlinked));
    QVERIFY(unlinked->resultAs<KeycloakUser>().fhirUser.isEmpty());

    QVERIFY(run(*m_admin->deleteUser(user.username)));
    m_usersToDelete.removeAll(user.username);
    auto gone = m_admin->user(user.username);
    QVERIFY(!gone->runSynchronously(30000));
    QCOMPARE(gone->error().code, QStringLiteral("not_found"));
}

void TestKeycloakAdmin::linkRefusesAReferenceThatIsNoUser()
{
    auto job = m_admin->linkFhirUser(QStringLiteral("alice"), QStringLiteral("Observation/1"));
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().code, QStringLiteral("invalid_argument"));
    auto alice = m_admin->user(QStringLiteral("alice"));
    QVERIFY(run(*alice));
    QCOMPARE(alice->resultAs<KeycloakUser>().fhirUser, QStringLiteral("Patient/patient-01"));
}

QTEST_GUILESS_MAIN(TestKeycloakAdmin)
#include "tst_keycloakadmin.moc"
