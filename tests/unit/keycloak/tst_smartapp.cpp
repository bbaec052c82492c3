// SMART apps as Keycloak clients: validation, the representation per type
// and reading clients back, including malformed ones.
#include "keycloak/SmartApp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace ProxySmart;

namespace {

const QString kJwks =
    QStringLiteral(R"({"keys":[{"kty":"RSA","kid":"k1","alg":"RS384","n":"sXch","e":"AQAB"}]})");

SmartApp publicApp()
{
    SmartApp app;
    app.clientId = QStringLiteral("growth-chart");
    app.type = SmartApp::Type::Public;
    app.redirectUris = {QStringLiteral("https://app.example.org/callback")};
    app.launchUrl = QStringLiteral("https://app.example.org/launch");
    app.scopes = {QStringLiteral("launch"), QStringLiteral("patient/*.rs")};
    return app;
}

} // namespace

class TestSmartApp : public QObject
{
    Q_OBJECT

private slots:
    void typeNamesRoundTrip();
    void validate_data();
    void validate();
    void publicAppForcesPkceAndHasNoSecret();
    void confidentialAppUsesAClientSecret();
    void jwksAppUsesPrivateKeyJwt();
    void backendServiceUsesClientCredentialsOnly();
    void applyToKeepsWhatKeycloakStores();
    void readsTypeBack_data();
    void readsTypeBack();
    void refusesMalformedClients_data();
    void refusesMalformedClients();
    void jsonOutputHasSecretOnlyWhenSet();
};

void TestSmartApp::typeNamesRoundTrip()
{
    for (auto type : {SmartApp::Type::Public, SmartApp::Type::Confidential,
                      SmartApp::Type::ConfidentialJwks, SmartApp::Type::Backend})
        QCOMPARE(SmartApp::typeFromName(SmartApp::typeName(type)), type);
    QVERIFY(!SmartApp::typeFromName(u"private").has_value());
}

void TestSmartApp::validate_data()
{
    QTest::addColumn<SmartApp>("app");
    QTest::addColumn<bool>("valid");

    QTest::newRow("a public app with a redirect URI is valid") << publicApp() << true;
    SmartApp app = publicApp();
    app.clientId = QStringLiteral("has space");
    QTest::newRow("a client id with a space is refused") << app << false;
    app = publicApp();
    app.redirectUris.clear();
    QTest::newRow("a public app without redirect URI is refused") << app << false;
    app = publicApp();
    app.redirectUris = {QStringLiteral("/relative")};
    QTest::newRow("a relative redirect URI is refused") << app << false;
    app = publicApp();
    app.redirectUris = {QStringLiteral("https://app.example.org/cb#frag")};
    QTest::newRow("a redirect URI with a fragment is refused") << app << false;
    app = publicApp();
    app.redirectUris = {QStringLiteral("com.example.app:/callback")};
    QTest::newRow("a native app's custom scheme is allowed") << app << true;
    app = publicApp();
    app.launchUrl = QStringLiteral("ftp://app.example.org/launch");
    QTest::newRow("a launch URL that is not http(s) is refused") << app << false;
    app = publicApp();
    app.jwks = kJwks;
    QTest::newRow("a public app with a JWKS is refused") << app << false;
    app = publicApp();
    app.type = SmartApp::Type::ConfidentialJwks;
    QTest::newRow("a JWKS app without keys is refused") << app << false;
    app.jwks = kJwks;
    QTest::newRow("a JWKS app with a key set is valid") << app << true;
    app.jwksUrl = QStringLiteral("https://app.example.org/jwks");
    QTest::newRow("a JWKS app with both a key set and a URL is refused") << app << false;
    app.jwks.clear();
    QTest::newRow("a JWKS app with a JWKS URL is valid") << app << true;
    app.jwksUrl.clear();
    app.jwks = QStringLiteral(R"({"keys":[]})");
    QTest::newRow("an empty key set is refused") << app << false;
    app = publicApp();
    app.type = SmartApp::Type::Backend;
    app.redirectUris.clear();
    app.jwks = kJwks;
    QTest::newRow("a backend service with keys and no redirect URI is valid") << app << true;
    app.signingAlgorithm = QStringLiteral("HS256");
    QTest::newRow("a symmetric assertion algorithm is refused") << app << false;
    app = publicApp();
    app.scopes << QStringLiteral("two words");
    QTest::newRow("a scope with a space is refused") << app << false;
}

void TestSmartApp::validate()
{
    QFETCH(SmartApp, app);
    QFETCH(bool, valid);
    const auto error = app.validate();
    QCOMPARE(!error.has_value(), valid);
    if (error) {
        QCOMPARE(error->code, QStringLiteral("invalid_argument"));
        QVERIFY(!error->message.isEmpty());
    }
}

void TestSmartApp::publicAppForcesPkceAndHasNoSecret()
{
    const QJsonObject client = publicApp().toRepresentation();
    QCOMPARE(client.value(u"publicClient").toBool(), true);
    QCOMPARE(client.value(u"standardFlowEnabled").toBool(), true);
    QCOMPARE(client.value(u"implicitFlowEnabled").toBool(), false);
    QCOMPARE(client.value(u"directAccessGrantsEnabled").toBool(), false);
    QCOMPARE(client.value(u"serviceAccountsEnabled").toBool(), false);
    const QJsonObject attributes = client.value(u"attributes").toObject();
    QCOMPARE(attributes.value(u"pkce.code.challenge.method").toString(), QStringLiteral("S256"));
    QCOMPARE(attributes.value(u"smart.launch.url").toString(),
             QStringLiteral("https://app.example.org/launch"));
    QCOMPARE(client.value(u"webOrigins").toArray().first().toString(),
             QStringLiteral("https://app.example.org"));
}

void TestSmartApp::confidentialAppUsesAClientSecret()
{
    SmartApp app = publicApp();
    app.type = SmartApp::Type::Confidential;
    const QJsonObject client = app.toRepresentation();
    QCOMPARE(client.value(u"publicClient").toBool(), false);
    QCOMPARE(client.value(u"clientAuthenticatorType").toString(), QStringLiteral("client-secret"));
    QCOMPARE(client.value(u"attributes").toObject().value(u"pkce.code.challenge.method").toString(),
             QStringLiteral("S256"));
}

void TestSmartApp::jwksAppUsesPrivateKeyJwt()
{
    SmartApp app = publicApp();
    app.type = SmartApp::Type::ConfidentialJwks;
    app.jwksUrl = QStringLiteral("https://app.example.org/jwks");
    const QJsonObject client = app.toRepresentation();
    QCOMPARE(client.value(u"clientAuthenticatorType").toString(), QStringLiteral("client-jwt"));
    const QJsonObject attributes = client.value(u"attributes").toObject();
    QCOMPARE(attributes.value(u"use.jwks.url").toString(), QStringLiteral("true"));
    QCOMPARE(attributes.value(u"jwks.url").toString(), app.jwksUrl);
    QCOMPARE(attributes.value(u"token.endpoint.auth.signing.alg").toString(),
             QStringLiteral("RS384"));
}

void TestSmartApp::backendServiceUsesClientCredentialsOnly()
{
    SmartApp app;
    app.clientId = QStringLiteral("nightly-export");
    app.type = SmartApp::Type::Backend;
    app.jwks = kJwks;
    app.signingAlgorithm = QStringLiteral("ES384");
    const QJsonObject client = app.toRepresentation();
    QCOMPARE(client.value(u"serviceAccountsEnabled").toBool(), true);
    QCOMPARE(client.value(u"standardFlowEnabled").toBool(), false);
    QCOMPARE(client.value(u"clientAuthenticatorType").toString(), QStringLiteral("client-jwt"));
    const QJsonObject attributes = client.value(u"attributes").toObject();
    QCOMPARE(attributes.value(u"use.jwks.string").toString(), QStringLiteral("true"));
    QCOMPARE(attributes.value(u"token.endpoint.auth.signing.alg").toString(),
             QStringLiteral("ES384"));
}

void TestSmartApp::applyToKeepsWhatKeycloakStores()
{
    QJsonObject stored {
        {QStringLiteral("id"), QStringLiteral("uuid-1")},
        {QStringLiteral("fullScopeAllowed"), false},
        {QStringLiteral("attributes"),
         QJsonObject {{QStringLiteral("post.logout.redirect.uris"), QStringLiteral("+")}}}};
    publicApp().applyTo(stored);
    QCOMPARE(stored.value(u"id").toString(), QStringLiteral("uuid-1"));
    QCOMPARE(stored.value(u"fullScopeAllowed").toBool(true), false);
    QCOMPARE(stored.value(u"attributes").toObject().value(u"post.logout.redirect.uris").toString(),
             QStringLiteral("+"));
    QCOMPARE(stored.value(u"clientId").toString(), QStringLiteral("growth-chart"));
}

void TestSmartApp::readsTypeBack_data()
{
    QTest::addColumn<int>("type");
    QTest::newRow("public") << int(SmartApp::Type::Public);
    QTest::newRow("confidential with secret") << int(SmartApp::Type::Confidential);
    QTest::newRow("confidential with JWKS") << int(SmartApp::Type::ConfidentialJwks);
    QTest::newRow("backend service") << int(SmartApp::Type::Backend);
}

void TestSmartApp::readsTypeBack()
{
    QFETCH(int, type);
    SmartApp app = publicApp();
    app.type = SmartApp::Type(type);
    if (app.type == SmartApp::Type::Backend)
        app.redirectUris.clear();
    if (app.type == SmartApp::Type::ConfidentialJwks || app.type == SmartApp::Type::Backend)
        app.jwks = kJwks;
    QJsonObject client = app.toRepresentation();
    client.insert(u"id", QStringLiteral("uuid-2"));
    const auto read = SmartApp::fromRepresentation(client);
    QVERIFY2(read.ok(), qPrintable(read.ok() ? QString() : read.error().message));
    QCOMPARE(read->type, app.type);
    QCOMPARE(read->id, QStringLiteral("uuid-2"));
    QCOMPARE(read->redirectUris, app.redirectUris);
    QCOMPARE(read->launchUrl, app.launchUrl);
    QCOMPARE(read->jwks, app.jwks);
}

void TestSmartApp::refusesMalformedClients_data()
{
    QTest::addColumn<QByteArray>("client");
    QTest::newRow("no id") << QByteArray(R"({"clientId":"a"})");
    QTest::newRow("no client id") << QByteArray(R"({"id":"u"})");
    QTest::newRow("redirect URIs as a string")
        << QByteArray(R"({"id":"u","clientId":"a","redirectUris":"https://x"})");
    QTest::newRow("a redirect URI that is a number")
        << QByteArray(R"({"id":"u","clientId":"a","redirectUris":[1]})");
    QTest::newRow("publicClient as text")
        << QByteArray(R"({"id":"u","clientId":"a","publicClient":"true"})");
    QTest::newRow("attributes as a list")
        << QByteArray(R"({"id":"u","clientId":"a","attributes":[]})");
    QTest::newRow("a launch URL that is a number")
        << QByteArray(R"({"id":"u","clientId":"a","attributes":{"smart.launch.url":3}})");
}

void TestSmartApp::refusesMalformedClients()
{
    QFETCH(QByteArray, client);
    const auto read = SmartApp::fromRepresentation(QJsonDocument::fromJson(client).object());
    QVERIFY(!read.ok());
    QCOMPARE(read.error().code, QStringLiteral("malformed_response"));
}

void TestSmartApp::jsonOutputHasSecretOnlyWhenSet()
{
    SmartApp app = publicApp();
    QVERIFY(!app.toJson().contains(u"secret"));
    app.secret = QStringLiteral("s3cret");
    QCOMPARE(app.toJson().value(u"secret").toString(), QStringLiteral("s3cret"));
    QCOMPARE(app.toJson().value(u"type").toString(), QStringLiteral("public"));
}

QTEST_GUILESS_MAIN(TestSmartApp)
#include "tst_smartapp.moc"
