#include "core/GatewayConfig.h"

#include <QTest>

using namespace ProxySmart;

class TestGatewayConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaultsServeOnLoopbackWithEnforcement();
    void parsesACompleteConfig();
    void refusesBadConfigs_data();
    void refusesBadConfigs();
    void environmentOverridesModes_data();
    void environmentOverridesModes();
    void listenValidation_data();
    void listenValidation();
    void unreadableFileIsRefusedWithPath();
    void parsesIssuersRoleFilteringUpstreamAndAudit();
    void refusesConsentAndIalUntilTheyExist_data();
    void refusesConsentAndIalUntilTheyExist();
};

void TestGatewayConfig::defaultsServeOnLoopbackWithEnforcement()
{
    const auto config = GatewayConfig::fromJson("{}");
    QVERIFY(config.ok());
    QVERIFY(config->listenAddress.isLoopback());
    QCOMPARE(config->listenPort, GatewayConfig::defaultPort);
    QCOMPARE(config->modes.scopes, EnforcementMode::Enforce);
    QCOMPARE(config->modes.roleFiltering, EnforcementMode::Enforce);
    QCOMPARE(config->modes.consent, EnforcementMode::Disabled);
    QVERIFY(config->fhirServers.isEmpty());
    QCOMPARE(config->effectiveBaseUrl().toString(), QStringLiteral("http://127.0.0.1:8090"));
}

void TestGatewayConfig::parsesACompleteConfig()
{
    const QByteArray json = R"({
        "listen": {"address": "127.0.0.2", "port": 9443},
        "instanceId": "gw-a",
        "publicBaseUrl": "https://gateway.example.org",
        "fhirServers": [
            {"id": "hapi", "name": "HAPI", "url": "http://127.0.0.1:18081/fhir", "auth": {"type": "none"}},
            {"id": "lake", "url": "https://lake.example.org/r4", "fhirVersion": "4.0.1",
             "auth": {"type": "client-credentials"}}
        ],
        "pipeline": {"scopes": "audit-only", "roleFiltering": "disabled", "consent": "enforce"}
    })";
    const auto config = GatewayConfig::fromJson(json);
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().message));
    QCOMPARE(config->listenAddress, QHostAddress(QStringLiteral("127.0.0.2")));
    QCOMPARE(config->listenPort, 9443);
    QCOMPARE(config->instanceId, QStringLiteral("gw-a"));
    QCOMPARE(config->effectiveBaseUrl().toString(), QStringLiteral("https://gateway.example.org"));
    QCOMPARE(config->fhirServers.size(), 2);
    QCOMPARE(config->fhirServers.at(0).name, QStringLiteral("HAPI"));
    QCOMPARE(config->fhirServers.at(1).name, QStringLiteral("lake"));
    QCOMPARE(config->fhirServers.at(1).auth, FhirServerConfig::UpstreamAuth::ClientCredentials);
    QVERIFY(config->fhirServer(u"hapi"));
    QVERIFY(!config->fhirServer(u"other"));
    QCOMPARE(config->modes.scopes, EnforcementMode::AuditOnly);
    QCOMPARE(config->modes.roleFiltering, EnforcementMode::Disabled);
    QCOMPARE(config->modes.consent, EnforcementMode::Enforce);
}

void TestGatewayConfig::refusesBadConfigs_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("code");

    QTest::newRow("text that is not JSON is refused")
        << QByteArray("listen: 1") << "config.bad_json";
    QTest::newRow("a JSON array is not a config") << QByteArray("[]") << "config.bad_type";
    QTest::newRow("a misspelt top-level key is refused, not ignored")
        << QByteArray(R"({"fhirServer": []})") << "config.unknown_key";
    QTest::newRow("a misspelt listen key is refused")
        << QByteArray(R"({"listen": {"prot": 1}})") << "config.unknown_key";
    QTest::newRow("a port above 65535 is refused")
        << QByteArray(R"({"listen": {"port": 70000}})") << "config.port_out_of_range";
    QTest::newRow("a fractional port is refused")
        << QByteArray(R"({"listen": {"port": 80.5}})") << "config.port_out_of_range";
    QTest::newRow("a port given as a string is refused")
        << QByteArray(R"({"listen": {"port": "8090"}})") << "config.port_out_of_range";
    QTest::newRow("a host name as listen address is refused")
        << QByteArray(R"({"listen": {"address": "example.org"}})") << "config.bad_address";
    QTest::newRow("fhirServers as an object is refused")
        << QByteArray(R"({"fhirServers": {}})") << "config.bad_type";
    QTest::newRow("a server without id is refused")
        << QByteArray(R"({"fhirServers": [{"url": "http://a/fhir"}]})") << "config.bad_server_id";
    QTest::newRow("a server id with a slash is refused")
        << QByteArray(R"({"fhirServers": [{"id": "a/b", "url": "http://a/fhir"}]})")
        << "config.bad_server_id";
    QTest::newRow("a relative server url is refused")
        << QByteArray(R"({"fhirServers": [{"id": "a", "url": "/fhir"}]})")
        << "config.bad_server_url";
    QTest::newRow("a file url is refused")
        << QByteArray(R"({"fhirServers": [{"id": "a", "url": "file:///etc/passwd"}]})")
        << "config.bad_server_url";
    QTest::newRow("two servers with one id are refused")
        << QByteArray(R"({"fhirServers": [{"id": "a", "url": "http://a/fhir"},
                                                {"id": "a", "url": "http://b/fhir"}]})")
        << "config.duplicate_server_id";
    QTest::newRow("a STU3 server is refused") << QByteArray(
        R"({"fhirServers": [{"id": "a", "url": "http://a/fhir", "fhirVersion": "3.0.2"}]})")
                                              << "config.bad_fhir_version";
    QTest::newRow("an unknown upstream auth type is refused") << QByteArray(
        R"({"fhirServers": [{"id": "a", "url": "http://a/fhir", "auth": {"type": "magic"}}]})")
                                                              << "config.bad_upstream_auth";
    QTest::newRow("an unknown enforcement mode is refused")
        << QByteArray(R"({"pipeline": {"scopes": "lenient"}})") << "config.bad_mode";
    QTest::newRow("a mode given as a boolean is refused")
        << QByteArray(R"({"pipeline": {"scopes": false}})") << "config.bad_mode";
    QTest::newRow("an unknown pipeline stage is refused")
        << QByteArray(R"({"pipeline": {"magic": "enforce"}})") << "config.unknown_key";
    QTest::newRow("an issuer without an audience is refused") << QByteArray(
        R"({"tokenIssuers": [{"issuer": "https://idp", "jwksUri": "https://idp/jwks"}]})")
                                                              << "config.bad_issuer";
    QTest::newRow("an issuer without keys is refused")
        << QByteArray(R"({"tokenIssuers": [{"issuer": "https://idp", "audience": "gw"}]})")
        << "config.bad_issuer";
    QTest::newRow("an issuer with a leeway over five minutes is refused")
        << QByteArray(R"({"tokenIssuers": [{"issuer": "https://idp", "audience": "gw",
                          "jwksUri": "https://idp/jwks", "leewaySeconds": 301}]})")
        << "config.bad_number";
    QTest::newRow("an unknown issuer key is refused")
        << QByteArray(R"({"tokenIssuers": [{"issuer": "https://idp", "audience": "gw",
                          "jwksUri": "https://idp/jwks", "secret": "x"}]})")
        << "config.unknown_key";
    QTest::newRow("a static header with its value inline is refused") << QByteArray(
        R"({"fhirServers": [{"id": "a", "url": "http://a/fhir",
            "auth": {"type": "static-header", "header": "Api-Key", "value": "secret"}}]})")
                                                                      << "config.unknown_key";
    QTest::newRow("a static header without a value source is refused")
        << QByteArray(
               R"({"fhirServers": [{"id": "a", "url": "http://a/fhir",
            "auth": {"type": "static-header", "header": "Api-Key"}}]})")
        << "config.bad_upstream_auth";
    QTest::newRow("an unknown assignment rule is refused")
        << QByteArray(R"({"roleFiltering": {"practitionerAssignment": ["sameBuilding"]}})")
        << "config.bad_assignment_rule";
    QTest::newRow("a negative cache time is refused")
        << QByteArray(R"({"roleFiltering": {"cacheSeconds": -1}})") << "config.bad_number";
    QTest::newRow("a fractional upstream timeout is refused")
        << QByteArray(R"({"upstream": {"connectTimeoutMs": 1.5}})") << "config.bad_number";
    QTest::newRow("an unknown audit key is refused")
        << QByteArray(R"({"audit": {"file": "a.log", "syslog": true}})") << "config.unknown_key";
    QTest::newRow("a public base url without host is refused")
        << QByteArray(R"({"publicBaseUrl": "https://"})") << "config.bad_public_url";
}

void TestGatewayConfig::refusesBadConfigs()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, code);
    const auto config = GatewayConfig::fromJson(json);
    QVERIFY(!config.ok());
    QCOMPARE(config.error().code, code);
    QVERIFY(!config.error().message.isEmpty());
}

void TestGatewayConfig::environmentOverridesModes_data()
{
    QTest::addColumn<QString>("variable");
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("SCOPE_ENFORCEMENT_MODE=audit-only switches scopes to audit")
        << "SCOPE_ENFORCEMENT_MODE"
        << "audit-only" << true;
    QTest::newRow("ROLE_BASED_FILTERING_MODE=disabled switches filtering off")
        << "ROLE_BASED_FILTERING_MODE"
        << "disabled" << true;
    QTest::newRow("CONSENT_ENFORCEMENT_MODE=enforce turns consent on") << "CONSENT_ENFORCEMENT_MODE"
                                                                       << "enforce" << true;
    QTest::newRow("upper case with underscore is understood") << "SCOPE_ENFORCEMENT_MODE"
                                                              << "AUDIT_ONLY" << true;
    QTest::newRow("a nonsense value is refused rather than ignored") << "SCOPE_ENFORCEMENT_MODE"
                                                                     << "maybe" << false;
}

void TestGatewayConfig::environmentOverridesModes()
{
    QFETCH(QString, variable);
    QFETCH(QString, value);
    QFETCH(bool, accepted);

    const auto config = GatewayConfig::fromJson("{}");
    QVERIFY(config.ok());
    QProcessEnvironment env;
    env.insert(variable, value);
    const auto result = config->withEnvironment(env);
    QCOMPARE(result.ok(), accepted);
    if (!accepted) {
        QCOMPARE(result.error().code, QStringLiteral("config.bad_mode"));
        QVERIFY(result.error().message.contains(variable));
        return;
    }
    const EnforcementMode expected = *parseEnforcementMode(value);
    if (variable == u"SCOPE_ENFORCEMENT_MODE")
        QCOMPARE(result->modes.scopes, expected);
    else if (variable == u"ROLE_BASED_FILTERING_MODE")
        QCOMPARE(result->modes.roleFiltering, expected);
    else
        QCOMPARE(result->modes.consent, expected);
}

void TestGatewayConfig::listenValidation_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("IPv4 loopback is accepted")
        << QByteArray(R"({"listen": {"address": "127.0.0.1"}})") << true;
    QTest::newRow("IPv6 loopback is accepted")
        << QByteArray(R"({"listen": {"address": "::1"}})") << true;
    QTest::newRow("localhost means loopback")
        << QByteArray(R"({"listen": {"address": "localhost"}})") << true;
    QTest::newRow("all interfaces are refused unless allowed")
        << QByteArray(R"({"listen": {"address": "0.0.0.0"}})") << false;
    QTest::newRow("all interfaces are accepted when explicitly allowed")
        << QByteArray(R"({"listen": {"address": "0.0.0.0", "allowNonLoopback": true}})") << true;
}

void TestGatewayConfig::listenValidation()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, accepted);
    const auto config = GatewayConfig::fromJson(json);
    QVERIFY(config.ok());
    const auto valid = config->validateListen();
    QCOMPARE(valid.ok(), accepted);
    if (!accepted)
        QCOMPARE(valid.error().code, QStringLiteral("config.non_loopback"));
}

void TestGatewayConfig::unreadableFileIsRefusedWithPath()
{
    const auto config = GatewayConfig::fromFile(QStringLiteral("/nonexistent/proxy-smart.json"));
    QVERIFY(!config.ok());
    QCOMPARE(config.error().code, QStringLiteral("config.unreadable"));
    QVERIFY(config.error().message.contains(u"/nonexistent/proxy-smart.json"));
}

void TestGatewayConfig::parsesIssuersRoleFilteringUpstreamAndAudit()
{
    const auto config = GatewayConfig::fromJson(R"({
        "fhirServers": [{"id": "a", "url": "http://a/fhir",
                         "auth": {"type": "static-header", "header": "Api-Key",
                                  "valueEnv": "A_API_KEY"}}],
        "tokenIssuers": [
            {"issuer": "https://idp", "audience": "gw", "jwksUri": "https://idp/jwks",
             "leewaySeconds": 30, "algorithms": ["RS256", "ES256"]},
            {"issuer": "https://other", "audience": "gw", "jwks": {"keys": []}}],
        "roleFiltering": {"practitionerAssignment": ["careTeam"], "cacheSeconds": 120},
        "upstream": {"connectTimeoutMs": 1000, "responseTimeoutMs": 2000, "idleTimeoutMs": 3000},
        "audit": {"file": "/var/log/proxy-smart/audit.log", "maxBytes": 1048576, "keepFiles": 3}
    })");
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().message));
    QCOMPARE(config->fhirServers.first().auth, FhirServerConfig::UpstreamAuth::StaticHeader);
    QCOMPARE(config->fhirServers.first().authHeader, QByteArray("Api-Key"));
    QCOMPARE(config->fhirServers.first().authValueEnv, QStringLiteral("A_API_KEY"));
    QCOMPARE(config->tokenIssuers.size(), 2);
    QCOMPARE(config->tokenIssuers.at(0).jwksUri, QUrl(QStringLiteral("https://idp/jwks")));
    QCOMPARE(config->tokenIssuers.at(0).leewaySeconds, 30);
    QCOMPARE(config->tokenIssuers.at(0).algorithms,
             (QStringList {QStringLiteral("RS256"), QStringLiteral("ES256")}));
    QCOMPARE(config->tokenIssuers.at(1).jwks, QByteArray(R"({"keys":[]})"));
    QCOMPARE(config->roleFiltering.practitionerAssignment,
             QStringList {QStringLiteral("careTeam")});
    QCOMPARE(config->roleFiltering.cacheSeconds, 120);
    QCOMPARE(config->upstreamTimeouts.connectMs, 1000);
    QCOMPARE(config->upstreamTimeouts.responseMs, 2000);
    QCOMPARE(config->upstreamTimeouts.idleMs, 3000);
    QCOMPARE(config->audit.file, QStringLiteral("/var/log/proxy-smart/audit.log"));
    QCOMPARE(config->audit.maxBytes, 1048576);
    QCOMPARE(config->audit.keepFiles, 3);
    QVERIFY(config->validatePipeline().ok());
}

void TestGatewayConfig::refusesConsentAndIalUntilTheyExist_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("consent disabled is accepted")
        << QByteArray(R"({"pipeline": {"consent": "disabled", "ial": "disabled"}})") << true;
    QTest::newRow("consent enforce is refused: the stage does not exist yet")
        << QByteArray(R"({"pipeline": {"consent": "enforce"}})") << false;
    QTest::newRow("ial audit-only is refused: the stage does not exist yet")
        << QByteArray(R"({"pipeline": {"ial": "audit-only"}})") << false;
}

void TestGatewayConfig::refusesConsentAndIalUntilTheyExist()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, accepted);
    const auto config = GatewayConfig::fromJson(json);
    QVERIFY(config.ok());
    const auto valid = config->validatePipeline();
    QCOMPARE(valid.ok(), accepted);
    if (!accepted) {
        QCOMPARE(valid.error().code, QStringLiteral("config.stage_unavailable"));
        QVERIFY(valid.error().message.contains(u"not available yet"));
    }
}

QTEST_GUILESS_MAIN(TestGatewayConfig)
#include "tst_gatewayconfig.moc"
