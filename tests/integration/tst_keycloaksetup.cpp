// `keycloak setup` and the realm-level operations against the real Keycloak,
// in a realm of their own (created by the setup, deleted afterwards): setup
// run twice, identity providers with mappers, token lifetimes and refresh
// token rotation, and a user whose password the realm refuses.
#include "TestServers.h"

#include "keycloak/KeycloakAdmin.h"
#include "keycloak/KeycloakSession.h"
#include "keycloak/SmartScopeCatalogue.h"

#include <QRandomGenerator>

using namespace ProxySmart;
using namespace ProxySmart::TestServers;

class TestKeycloakSetup : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void firstSetupCreatesEverything();
    void secondSetupCreatesNothing();
    void gatewayClientReadsButCannotChangeTheRegistry();
    void setupWithoutRealmCreationFailsForAMissingRealm();
    void fhirUserReachesTheToken();

    void oidcAndSamlIdentityProvidersWithMappers();
    void addingAnIdentityProviderTwiceIsAConflict();
    void tokenSettingsRoundTrip();
    void invalidTokenSettingsAreRefusedLocally();
    void userWithRefusedPasswordIsRemovedAgain();

private:
    bool run(KeycloakJob &job);

    QString m_realm;
    std::unique_ptr<KeycloakSession> m_session;
    std::unique_ptr<KeycloakAdmin> m_admin;
    SetupReport m_first;
    SetupReport m_second;
    QNetworkAccessManager m_network;
};

bool TestKeycloakSetup::run(KeycloakJob &job)
{
    const bool ok = job.runSynchronously(180000);
    if (!ok)
        qWarning().noquote() << job.error().message();
    return ok;
}

void TestKeycloakSetup::initTestCase()
{
    m_realm = QStringLiteral("it-setup-%1-%2")
                  .arg(QCoreApplication::applicationPid())
                  .arg(QRandomGenerator::global()->generate() % 1000000);
    m_session = std::make_unique<KeycloakSession>(QUrl(keycloakUrl()), m_realm);
    m_session->setCredentials(
        KeycloakCredentials::adminUser(requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER"),
                                       requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD")));
    m_admin = std::make_unique<KeycloakAdmin>(m_session.get());
    SetupOptions options;
    options.gatewayRedirectUris = {QStringLiteral("http://127.0.0.1:8090/*")};
    auto first = m_admin->setupRealm(options);
    QVERIFY(run(*first));
    m_first = first->resultAs<SetupReport>();
    auto second = m_admin->setupRealm(options);
    QVERIFY(run(*second));
    m_second = second->resultAs<SetupReport>();
}

void TestKeycloakSetup::cleanupTestCase()
{
    if (m_realm.isEmpty())
        return;
    QNetworkRequest request(QUrl(keycloakUrl() + QStringLiteral("/admin/realms/") + m_realm));
    request.setRawHeader("Authorization", "Bearer " + adminToken(m_network).toUtf8());
    const HttpResult result = send(m_network, "DELETE", request);
    QVERIFY2(result.status == 204 || result.status == 404, qPrintable(result.error));
}

void TestKeycloakSetup::firstSetupCreatesEverything()
{
    QStringList created;
    for (const SetupReport::Item &item : m_first.items) {
        if (item.created)
            created << item.what;
    }
    QVERIFY(created.contains(QStringLiteral("realm '%1'").arg(m_realm)));
    QVERIFY(created.contains(QStringLiteral("user profile attribute 'fhirUser'")));
    QVERIFY(created.contains(QStringLiteral("client scope 'launch/patient'")));
    QVERIFY(created.contains(QStringLiteral("client scope 'system/*.rs'")));
    QVERIFY(created.contains(QStringLiteral("gateway client 'proxy-smart-gateway'")));
    QVERIFY(created.contains(QStringLiteral("gateway role 'view-clients'")));
    QVERIFY(created.contains(QStringLiteral("gateway role 'query-clients'")));
    QVERIFY(!m_first.gatewaySecret.isEmpty());
    // The fhirUser mapper came with the fhirUser scope.
    QVERIFY(!created.contains(QStringLiteral("fhirUser mapper")));
}

void TestKeycloakSetup::secondSetupCreatesNothing()
{
    QCOMPARE(m_second.createdCount(), 0);
    QVERIFY(m_second.gatewaySecret.isEmpty());
    QVERIFY(m_second.items.size() >= SmartScopeCatalogue::scopes().size() + 5);
}

void TestKeycloakSetup::gatewayClientReadsButCannotChangeTheRegistry()
{
    KeycloakSession session(QUrl(keycloakUrl()), m_realm);
    session.setCredentials(KeycloakCredentials::serviceAccount(
        m_realm, QStringLiteral("proxy-smart-gateway"), m_first.gatewaySecret));
    KeycloakAdmin admin(&session);
    auto list = admin.listApps();
    QVERIFY(run(*list));
    QCOMPARE(list->resultAs<QList<SmartApp>>().size(), 1); // only itself
    auto users = admin.searchUsers({});
    QVERIFY(!users->runSynchronously(30000));
    QCOMPARE(users->error().httpStatus, 403);
    auto remove = admin.deleteApp(QStringLiteral("proxy-smart-gateway"));
    QVERIFY(!remove->runSynchronously(30000));
    QCOMPARE(remove->error().httpStatus, 403);
}

void TestKeycloakSetup::setupWithoutRealmCreationFailsForAMissingRealm()
{
    KeycloakSession session(QUrl(keycloakUrl()), m_realm + QStringLiteral("-missing"));
    session.setCredentials(
        KeycloakCredentials::adminUser(requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER"),
                                       requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD")));
    SetupOptions options;
    options.createRealm = false;
    auto job = KeycloakAdmin(&session).setupRealm(options);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().httpStatus, 404);
}

void TestKeycloakSetup::fhirUserReachesTheToken()
{
    // A user linked to a Patient gets fhirUser in a token that asks for the
    // fhirUser scope: the user profile attribute and the mapper work together.
    SmartApp tool;
    tool.clientId = QStringLiteral("it-token-tool");
    tool.type = SmartApp::Type::Confidential;
    tool.redirectUris = {QStringLiteral("https://app.example.org/cb")};
    tool.scopes = {QStringLiteral("fhirUser")};
    auto registered = m_admin->registerApp(tool);
    QVERIFY(run(*registered));
    const SmartApp app = registered->resultAs<SmartApp>();
    // Tests only: allow the password grant on this throwaway client.
    QNetworkRequest patch(m_session->adminUrl(QStringLiteral("/clients/") + app.id));
    patch.setRawHeader("Authorization", "Bearer " + adminToken(m_network).toUtf8());
    patch.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QByteArray change = QByteArrayLiteral("{\"directAccessGrantsEnabled\":true}");
    QCOMPARE(send(m_network, "PUT", patch, change).status, 204);

    KeycloakUser user;
    user.username = QStringLiteral("it-patient");
    user.fhirUser = QStringLiteral("Patient/patient-07");
    user.email = QStringLiteral("it-patient@example.org");
    user.firstName = QStringLiteral("It");
    user.lastName = QStringLiteral("Patient");
    user.emailVerified = true;
    QVERIFY(run(*m_admin->createUser(user, QStringLiteral("Patient-password-7"), false)));

    QNetworkRequest request(m_session->openIdUrl(m_realm, QStringLiteral("/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("password"));
    form.addQueryItem(QStringLiteral("client_id"), app.clientId);
    form.addQueryItem(QStringLiteral("client_secret"), app.secret);
    form.addQueryItem(QStringLiteral("username"), user.username);
    form.addQueryItem(QStringLiteral("password"), QStringLiteral("Patient-password-7"));
    form.addQueryItem(QStringLiteral("scope"), QStringLiteral("openid fhirUser"));
    const HttpResult result =
        send(m_network, "POST", request, form.toString(QUrl::FullyEncoded).toUtf8());
    QCOMPARE(result.status, 200);
    const QString idToken = result.json().object().value(u"id_token").toString();
    const QList<QByteArray> parts = idToken.toLatin1().split('.');
    QCOMPARE(parts.size(), 3);
    const QJsonObject claims =
        QJsonDocument::fromJson(QByteArray::fromBase64(parts.at(1), QByteArray::Base64UrlEncoding))
            .object();
    QCOMPARE(claims.value(u"fhirUser").toString(), QStringLiteral("Patient/patient-07"));
}

void TestKeycloakSetup::oidcAndSamlIdentityProvidersWithMappers()
{
    IdentityProvider oidc;
    oidc.alias = QStringLiteral("hospital-oidc");
    oidc.displayName = QStringLiteral("Hospital SSO");
    oidc.providerId = QStringLiteral("oidc");
    oidc.config = QJsonObject {
        {QStringLiteral("authorizationUrl"), QStringLiteral("https://sso.example.org/auth")},
        {QStringLiteral("tokenUrl"), QStringLiteral("https://sso.example.org/token")},
        {QStringLiteral("clientId"), QStringLiteral("proxy-smart")},
        {QStringLiteral("clientSecret"), QStringLiteral("idp-secret")},
        {QStringLiteral("clientAuthMethod"), QStringLiteral("client_secret_post")},
        {QStringLiteral("pkceEnabled"), QStringLiteral("true")},
        {QStringLiteral("pkceMethod"), QStringLiteral("S256")},
    };
    QVERIFY(run(*m_admin->createIdentityProvider(oidc)));

    IdentityProvider saml;
    saml.alias = QStringLiteral("hospital-saml");
    saml.providerId = QStringLiteral("saml");
    saml.config = QJsonObject {
        {QStringLiteral("singleSignOnServiceUrl"), QStringLiteral("https://idp.example.org/sso")},
        {QStringLiteral("entityId"), QStringLiteral("proxy-smart")},
        {QStringLiteral("nameIDPolicyFormat"),
         QStringLiteral("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")},
    };
    QVERIFY(run(*m_admin->createIdentityProvider(saml)));

    auto list = m_admin->listIdentityProviders();
    QVERIFY(run(*list));
    QStringList aliases;
    for (const IdentityProvider &provider : list->resultAs<QList<IdentityProvider>>())
        aliases << provider.alias;
    QVERIFY(aliases.contains(oidc.alias));
    QVERIFY(aliases.contains(saml.alias));

    oidc.displayName = QStringLiteral("Hospital single sign-on");
    oidc.enabled = false;
    QVERIFY(run(*m_admin->updateIdentityProvider(oidc)));
    auto read = m_admin->identityProvider(oidc.alias);
    QVERIFY(run(*read));
    QCOMPARE(read->resultAs<IdentityProvider>().displayName, oidc.displayName);
    QCOMPARE(read->resultAs<IdentityProvider>().enabled, false);
    QCOMPARE(read->resultAs<IdentityProvider>().toJson().value(u"config").toObject().value(
                 u"clientSecret"),
             QJsonValue(QStringLiteral("**********")));

    IdentityProviderMapper mapper;
    mapper.name = QStringLiteral("fhirUser from claim");
    mapper.identityProviderAlias = oidc.alias;
    mapper.mapperType = QStringLiteral("oidc-user-attribute-idp-mapper");
    mapper.config = QJsonObject {{QStringLiteral("claim"), QStringLiteral("fhir_user")},
                                 {QStringLiteral("user.attribute"), QStringLiteral("fhirUser")},
                                 {QStringLiteral("syncMode"), QStringLiteral("INHERIT")}};
    auto added = m_admin->addIdentityProviderMapper(mapper);
    QVERIFY(run(*added));
    const IdentityProviderMapper stored = added->resultAs<IdentityProviderMapper>();
    QVERIFY(!stored.id.isEmpty());
    QCOMPARE(stored.config.value(u"user.attribute").toString(), QStringLiteral("fhirUser"));

    IdentityProviderMapper samlMapper;
    samlMapper.name = QStringLiteral("fhirUser from attribute");
    samlMapper.identityProviderAlias = saml.alias;
    samlMapper.mapperType = QStringLiteral("saml-user-attribute-idp-mapper");
    samlMapper.config = QJsonObject {{QStringLiteral("attribute.name"), QStringLiteral("fhirUser")},
                                     {QStringLiteral("user.attribute"), QStringLiteral("fhirUser")},
                                     {QStringLiteral("syncMode"), QStringLiteral("INHERIT")}};
    QVERIFY(run(*m_admin->addIdentityProviderMapper(samlMapper)));

    auto mappers = m_admin->listIdentityProviderMappers(oidc.alias);
    QVERIFY(run(*mappers));
    QCOMPARE(mappers->resultAs<QList<IdentityProviderMapper>>().size(), 1);
    QVERIFY(run(*m_admin->deleteIdentityProviderMapper(oidc.alias, stored.id)));
    auto none = m_admin->listIdentityProviderMappers(oidc.alias);
    QVERIFY(run(*none));
    QCOMPARE(none->resultAs<QList<IdentityProviderMapper>>().size(), 0);

    QVERIFY(run(*m_admin->deleteIdentityProvider(oidc.alias)));
    QVERIFY(run(*m_admin->deleteIdentityProvider(saml.alias)));
    auto gone = m_admin->identityProvider(oidc.alias);
    QVERIFY(!gone->runSynchronously(30000));
    QCOMPARE(gone->error().httpStatus, 404);
}

void TestKeycloakSetup::addingAnIdentityProviderTwiceIsAConflict()
{
    IdentityProvider oidc;
    oidc.alias = QStringLiteral("twice");
    oidc.providerId = QStringLiteral("oidc");
    oidc.config = QJsonObject {
        {QStringLiteral("authorizationUrl"), QStringLiteral("https://sso.example.org/auth")},
        {QStringLiteral("tokenUrl"), QStringLiteral("https://sso.example.org/token")},
        {QStringLiteral("clientId"), QStringLiteral("x")}};
    QVERIFY(run(*m_admin->createIdentityProvider(oidc)));
    auto again = m_admin->createIdentityProvider(oidc);
    QVERIFY(!again->runSynchronously(30000));
    QCOMPARE(again->error().httpStatus, 409);
    QCOMPARE(again->error().code, QStringLiteral("conflict"));
    QVERIFY(run(*m_admin->deleteIdentityProvider(oidc.alias)));
}

void TestKeycloakSetup::tokenSettingsRoundTrip()
{
    RealmTokenSettings settings;
    settings.accessTokenLifespan = 240;
    settings.ssoSessionIdleTimeout = 1200;
    settings.ssoSessionMaxLifespan = 7200;
    settings.offlineSessionIdleTimeout = 86400;
    settings.revokeRefreshToken = true;
    settings.refreshTokenMaxReuse = 1;
    QVERIFY(run(*m_admin->setTokenSettings(settings)));
    auto read = m_admin->tokenSettings();
    QVERIFY(run(*read));
    const RealmTokenSettings stored = read->resultAs<RealmTokenSettings>();
    QCOMPARE(stored.accessTokenLifespan, 240);
    QCOMPARE(stored.ssoSessionIdleTimeout, 1200);
    QCOMPARE(stored.ssoSessionMaxLifespan, 7200);
    QCOMPARE(stored.offlineSessionIdleTimeout, 86400);
    QCOMPARE(stored.revokeRefreshToken, true);
    QCOMPARE(stored.refreshTokenMaxReuse, 1);
}

void TestKeycloakSetup::invalidTokenSettingsAreRefusedLocally()
{
    RealmTokenSettings settings;
    settings.accessTokenLifespan = 5;
    auto job = m_admin->setTokenSettings(settings);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(job->error().code, QStringLiteral("invalid_argument"));
}

void TestKeycloakSetup::userWithRefusedPasswordIsRemovedAgain()
{
    QNetworkRequest request(m_session->adminUrl());
    request.setRawHeader("Authorization", "Bearer " + adminToken(m_network).toUtf8());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QByteArray policy = QByteArrayLiteral("{\"passwordPolicy\":\"length(20)\"}");
    QCOMPARE(send(m_network, "PUT", request, policy).status, 204);

    KeycloakUser user;
    user.username = QStringLiteral("it-short-password");
    auto job = m_admin->createUser(user, QStringLiteral("short"), true);
    QSignalSpy failed(job.get(), &KeycloakJob::failed);
    QVERIFY(!job->runSynchronously(30000));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(job->error().httpStatus, 400);
    QVERIFY(!job->error().keycloakMessage.isEmpty());
    auto read = m_admin->user(user.username);
    QVERIFY(!read->runSynchronously(30000));
    QCOMPARE(read->error().code, QStringLiteral("not_found"));
}

QTEST_GUILESS_MAIN(TestKeycloakSetup)
#include "tst_keycloaksetup.moc"
