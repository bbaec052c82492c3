// The gateway's enforcement pipeline against the real servers: tokens that
// the real Keycloak minted (password grant on the test tool client, with the
// optional scope "proxy-smart-gateway-audience" that puts the gateway in
// "aud"), verified with Keycloak's JWKS, and FHIR data from the real HAPI
// server with the synthetic data set (tests/servers/hapi/README.md). A second,
// inline-JWKS issuer signed by the test stands for tokens Keycloak cannot
// mint (expired, system/).
#include "TestServers.h"

#include "gateway/Gateway.h"
#include "jose/JwksFetcher.h"
#include "jose/SigningKey.h"
#include "jose/TokenSigner.h"

#include <QJsonArray>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

using namespace ProxySmart;
using namespace ProxySmart::TestServers;

namespace {

const QString toolClient = QStringLiteral("proxy-smart-test-tool");
const QString toolSecret = QStringLiteral("proxy-smart-test-tool-secret");
const QString audienceScope = QStringLiteral("proxy-smart-gateway-audience");
const QString localIssuer = QStringLiteral("https://issuer.test.invalid");
const QString laboratoryScope =
    QStringLiteral("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                   "observation-category|laboratory");

QString issuerUrl()
{
    return keycloakUrl() + QStringLiteral("/realms/") + realm();
}

struct Reply
{
    int status = 0;
    QByteArray body;
    QByteArray wwwAuthenticate;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString diagnostics() const
    {
        return json().value(u"issue").toArray().first().toObject().value(u"diagnostics").toString();
    }
};

QStringList entryIds(const QJsonObject &bundle, QStringView type)
{
    QStringList ids;
    for (const QJsonValue &entry : bundle.value(u"entry").toArray()) {
        const QJsonObject resource = entry.toObject().value(u"resource").toObject();
        if (resource.value(u"resourceType").toString() == type)
            ids.append(resource.value(u"id").toString());
    }
    ids.sort();
    return ids;
}

QString subjectOf(const QJsonObject &resource)
{
    return resource.value(u"subject").toObject().value(u"reference").toString();
}

} // namespace

class TestGatewayPipeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void refusesRequestsWithoutAValidToken_data();
    void refusesRequestsWithoutAValidToken();
    void patientReadsOwnDataAndNotAnothers();
    void patientSearchesAreNarrowedToTheirCompartment();
    void practitionerSeesAssignedPatientsOnly();
    void granularCategoryScopeReturnsOnlyLaboratory();
    void includesThatLeaveTheCompartmentAreRemoved();
    void batchesAndCompartmentPathsThatLeaveTheCompartmentAreRefused();
    void writesOutsideTheCompartmentAreRefusedBeforeTheyAreSent();
    void systemTokensAreNotNarrowed();
    void auditsEveryRequestWithoutTokensOrIdentifyingValues();
    void auditOnlyLetsThroughAndLogs();
    void disabledStagesAreSkipped();
    void deadUpstreamGives502AndRecovers();

private:
    QByteArray userToken(const QString &user, const QString &scopes);
    QByteArray localToken(const QJsonObject &claims);
    Reply call(Gateway &gateway, const QString &path, const QByteArray &token,
               const QByteArray &method = "GET", const QByteArray &body = {},
               const QByteArray &contentType = {});
    QByteArray configJson(const QJsonObject &pipeline, const QString &auditFile,
                          const QJsonArray &extraServers = {}) const;
    bool startGateway(Gateway &gateway, const QByteArray &json);

    QNetworkAccessManager m_network;
    QTemporaryDir m_dir;
    Jose::TokenSigner m_signer;
    Gateway m_gateway;
    QByteArray m_alice;
};

QByteArray TestGatewayPipeline::userToken(const QString &user, const QString &scopes)
{
    QNetworkRequest request(QUrl(issuerUrl() + QStringLiteral("/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("password"));
    form.addQueryItem(QStringLiteral("client_id"), toolClient);
    form.addQueryItem(QStringLiteral("client_secret"), toolSecret);
    form.addQueryItem(QStringLiteral("username"), user);
    form.addQueryItem(QStringLiteral("password"), user + QStringLiteral("-password"));
    form.addQueryItem(QStringLiteral("scope"), scopes);
    const HttpResult result =
        send(m_network, "POST", request,
             form.toString(QUrl::FullyEncoded).replace(u'+', QStringLiteral("%2B")).toUtf8());
    const QByteArray token = result.json().object().value(u"access_token").toString().toLatin1();
    if (token.isEmpty())
        qWarning().noquote() << "no token for" << user << ":" << result.status << result.error;
    return token;
}

QByteArray TestGatewayPipeline::localToken(const QJsonObject &claims)
{
    QJsonObject full = claims;
    full.insert(QStringLiteral("iss"), localIssuer);
    full.insert(QStringLiteral("aud"), QStringLiteral("proxy-smart-gateway"));
    if (!full.contains(u"exp"))
        full.insert(QStringLiteral("exp"), QDateTime::currentSecsSinceEpoch() + 300);
    return m_signer.sign(full).value();
}

Reply TestGatewayPipeline::call(Gateway &gateway, const QString &path, const QByteArray &token,
                                const QByteArray &method, const QByteArray &body,
                                const QByteArray &contentType)
{
    QNetworkRequest request(QUrl(gateway.baseUrl().toString() + path));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    request.setRawHeader("Accept", "application/fhir+json");
    request.setTransferTimeout(30000);
    QNetworkReply *reply = m_network.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(31000);
    Reply result {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                  reply->readAll(), reply->rawHeader("WWW-Authenticate")};
    reply->deleteLater();
    return result;
}

QByteArray TestGatewayPipeline::configJson(const QJsonObject &pipeline, const QString &auditFile,
                                           const QJsonArray &extraServers) const
{
    QJsonArray servers {QJsonObject {{QStringLiteral("id"), QStringLiteral("hapi")},
                                     {QStringLiteral("url"), hapiUrl()}}};
    for (const QJsonValue &server : extraServers)
        servers.append(server);
    const QJsonObject config {
        {QStringLiteral("listen"), QJsonObject {{QStringLiteral("port"), 0}}},
        {QStringLiteral("instanceId"), QStringLiteral("gw-test")},
        {QStringLiteral("fhirServers"), servers},
        {QStringLiteral("pipeline"), pipeline},
        {QStringLiteral("upstream"),
         QJsonObject {{QStringLiteral("connectTimeoutMs"), 2000},
                      {QStringLiteral("responseTimeoutMs"), 20000}}},
        {QStringLiteral("audit"), QJsonObject {{QStringLiteral("file"), auditFile}}},
        {QStringLiteral("roleFiltering"),
         QJsonObject {{QStringLiteral("practitionerAssignment"),
                       QJsonArray {QStringLiteral("generalPractitioner"),
                                   QStringLiteral("careTeam"), QStringLiteral("encounter")}},
                      {QStringLiteral("cacheSeconds"), 60}}},
        {QStringLiteral("tokenIssuers"),
         QJsonArray {
             QJsonObject {{QStringLiteral("issuer"), issuerUrl()},
                          {QStringLiteral("audience"), QStringLiteral("proxy-smart-gateway")},
                          {QStringLiteral("jwksUri"),
                           issuerUrl() + QStringLiteral("/protocol/openid-connect/certs")}},
             QJsonObject {
                 {QStringLiteral("issuer"), localIssuer},
                 {QStringLiteral("audience"), QStringLiteral("proxy-smart-gateway")},
                 {QStringLiteral("jwks"), QJsonDocument::fromJson(m_signer.jwks()).object()},
                 {QStringLiteral("leewaySeconds"), 0}}}}};
    return QJsonDocument(config).toJson();
}

bool TestGatewayPipeline::startGateway(Gateway &gateway, const QByteArray &json)
{
    auto config = GatewayConfig::fromJson(json);
    if (!config) {
        qWarning().noquote() << config.error().message;
        return false;
    }
    if (!gateway.start(config.value(), 2))
        return false;
    QSignalSpy keys(gateway.jwksFetcher(), &Jose::JwksFetcher::keysUpdated);
    return keys.wait(15000);
}

void TestGatewayPipeline::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_signer.rotate(Jose::SigningKey::generate(Jose::JwsAlgorithm::ES256).value());
    QVERIFY(startGateway(m_gateway,
                         configJson(QJsonObject {}, m_dir.filePath(QStringLiteral("audit.log")))));
    m_alice = userToken(QStringLiteral("alice"),
                        QStringLiteral("openid fhirUser patient/*.rs ") + audienceScope);
    QVERIFY(!m_alice.isEmpty());
}

void TestGatewayPipeline::cleanupTestCase()
{
    m_gateway.stop();
}

void TestGatewayPipeline::refusesRequestsWithoutAValidToken_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<bool>("invalidToken");

    QTest::newRow("no token is 401 without an error attribute") << QByteArray() << false;
    QByteArray forged = userToken(QStringLiteral("alice"),
                                  QStringLiteral("openid fhirUser patient/*.rs ") + audienceScope);
    forged[forged.size() - 5] = forged.at(forged.size() - 5) == 'A' ? 'B' : 'A';
    QTest::newRow("a forged signature is an invalid token") << forged << true;
    QTest::newRow("a token without the gateway's audience is an invalid token")
        << userToken(QStringLiteral("alice"), QStringLiteral("openid fhirUser patient/*.rs"))
        << true;
    QTest::newRow("an expired token is an invalid token")
        << localToken({{QStringLiteral("sub"), QStringLiteral("expired")},
                       {QStringLiteral("scope"), QStringLiteral("system/*.rs")},
                       {QStringLiteral("exp"), QDateTime::currentSecsSinceEpoch() - 600}})
        << true;
    QTest::newRow("garbage is an invalid token") << QByteArray("not-a-jwt") << true;
}

void TestGatewayPipeline::refusesRequestsWithoutAValidToken()
{
    QFETCH(QByteArray, token);
    QFETCH(bool, invalidToken);
    const Reply reply = call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-01"), token);
    QCOMPARE(reply.status, 401);
    QVERIFY(reply.wwwAuthenticate.startsWith("Bearer realm=\"proxy-smart\""));
    QCOMPARE(reply.wwwAuthenticate.contains("error=\"invalid_token\""), invalidToken);
    QCOMPARE(reply.json().value(u"resourceType").toString(), QStringLiteral("OperationOutcome"));
}

void TestGatewayPipeline::patientReadsOwnDataAndNotAnothers()
{
    Reply own = call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-01"), m_alice);
    QCOMPARE(own.status, 200);
    QCOMPARE(own.json().value(u"id").toString(), QStringLiteral("patient-01"));

    Reply other = call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-02"), m_alice);
    QCOMPARE(other.status, 403);
    QCOMPARE(other.json().value(u"resourceType").toString(), QStringLiteral("OperationOutcome"));
    QVERIFY2(other.diagnostics().contains(u"roleFiltering"), qPrintable(other.diagnostics()));

    own = call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-01-glucose"), m_alice);
    QCOMPARE(own.status, 200);
    // A read whose answer decides: checked on the response.
    other =
        call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-02-glucose"), m_alice);
    QCOMPARE(other.status, 403);
    QVERIFY2(other.diagnostics().contains(u"compartment.outside"), qPrintable(other.diagnostics()));
}

void TestGatewayPipeline::patientSearchesAreNarrowedToTheirCompartment()
{
    const Reply reply =
        call(m_gateway, QStringLiteral("/fhir/hapi/Observation?_count=100"), m_alice);
    QCOMPARE(reply.status, 200);
    const QJsonArray entries = reply.json().value(u"entry").toArray();
    QCOMPARE(entries.size(), 6);
    for (const QJsonValue &entry : entries)
        QCOMPARE(subjectOf(entry.toObject().value(u"resource").toObject()),
                 QStringLiteral("Patient/patient-01"));
    // Links point at the gateway, never at the upstream.
    QVERIFY(!reply.body.contains(hapiUrl().toUtf8()));

    const Reply patients = call(m_gateway, QStringLiteral("/fhir/hapi/Patient"), m_alice);
    QCOMPARE(patients.status, 200);
    QCOMPARE(entryIds(patients.json(), u"Patient"), QStringList {QStringLiteral("patient-01")});
}

void TestGatewayPipeline::practitionerSeesAssignedPatientsOnly()
{
    const QByteArray smith = userToken(
        QStringLiteral("dr-smith"), QStringLiteral("openid fhirUser user/*.rs ") + audienceScope);
    QVERIFY(!smith.isEmpty());
    // General practitioner of 01–03, care team of 04.
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-02"), smith).status, 200);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-04"), smith).status, 200);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-05"), smith).status, 403);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-10"), smith).status, 403);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-04-glucose"), smith)
                 .status,
             200);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-07-glucose"), smith)
                 .status,
             403);
    const Reply search = call(m_gateway, QStringLiteral("/fhir/hapi/Patient?_count=50"), smith);
    QCOMPARE(search.status, 200);
    QCOMPARE(entryIds(search.json(), u"Patient"),
             (QStringList {QStringLiteral("patient-01"), QStringLiteral("patient-02"),
                           QStringLiteral("patient-03"), QStringLiteral("patient-04")}));

    // Encounter participant: dr-jones sees 05 and 06 (and 07 as GP).
    const QByteArray jones = userToken(
        QStringLiteral("dr-jones"), QStringLiteral("openid fhirUser user/*.rs ") + audienceScope);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-05"), jones).status, 200);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-07"), jones).status, 200);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-01"), jones).status, 403);
}

void TestGatewayPipeline::granularCategoryScopeReturnsOnlyLaboratory()
{
    const QByteArray token =
        userToken(QStringLiteral("alice"),
                  QStringLiteral("openid fhirUser ") + laboratoryScope + u' ' + audienceScope);
    QVERIFY(!token.isEmpty());
    const Reply search = call(m_gateway, QStringLiteral("/fhir/hapi/Observation"), token);
    QCOMPARE(search.status, 200);
    QCOMPARE(entryIds(search.json(), u"Observation"),
             (QStringList {QStringLiteral("observation-01-glucose"),
                           QStringLiteral("observation-01-hemoglobin")}));
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-01-glucose"), token)
                 .status,
             200);
    const Reply vital =
        call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-01-heart-rate"), token);
    QCOMPARE(vital.status, 403);
    QVERIFY2(vital.diagnostics().contains(u"scopes"), qPrintable(vital.diagnostics()));
    // Other types are not granted at all.
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Condition"), token).status, 403);
}

void TestGatewayPipeline::includesThatLeaveTheCompartmentAreRemoved()
{
    // practitioner-01 requested the medications of patients 01–04: the
    // _revinclude would bring the other patients' requests along (HAPI
    // returns five), so the gateway removes them from the answer.
    QSignalSpy recorded(&m_gateway, &Gateway::auditRecorded);
    const Reply reply = call(
        m_gateway,
        QStringLiteral(
            "/fhir/hapi/Practitioner?_id=practitioner-01&_revinclude=MedicationRequest:requester"),
        m_alice);
    QCOMPARE(reply.status, 200);
    {
        const QJsonArray entries = reply.json().value(u"entry").toArray();
        for (const QJsonValue &entry : entries) {
            const QJsonObject resource = entry.toObject().value(u"resource").toObject();
            if (resource.value(u"resourceType").toString() == u"MedicationRequest")
                QCOMPARE(subjectOf(resource), QStringLiteral("Patient/patient-01"));
        }
        QCOMPARE(entryIds(reply.json(), u"MedicationRequest").size(), 1);
    }
    QTRY_COMPARE(recorded.count(), 1);
    const QJsonObject note =
        recorded.at(0).at(0).toJsonObject().value(u"notes").toArray().first().toObject();
    QCOMPARE(note.value(u"reason").toString(), QStringLiteral("response.removed"));
    QCOMPARE(note.value(u"count").toInt(), 4);

    // An _include:iterate round trip through the practitioner back to the
    // other patients' requests.
    const Reply iterate =
        call(m_gateway,
             QStringLiteral("/fhir/hapi/MedicationRequest?_include=MedicationRequest:requester"
                            "&_revinclude:iterate=MedicationRequest:requester"),
             m_alice);
    QVERIFY2(iterate.status == 200 || iterate.status == 403, iterate.body.constData());
    for (const QJsonValue &entry : iterate.json().value(u"entry").toArray()) {
        const QJsonObject resource = entry.toObject().value(u"resource").toObject();
        if (resource.value(u"resourceType").toString() == u"MedicationRequest")
            QCOMPARE(subjectOf(resource), QStringLiteral("Patient/patient-01"));
    }
    if (iterate.status == 200)
        QCOMPARE(entryIds(iterate.json(), u"MedicationRequest").size(), 1);
}

void TestGatewayPipeline::batchesAndCompartmentPathsThatLeaveTheCompartmentAreRefused()
{
    const QJsonObject batch {
        {QStringLiteral("resourceType"), QStringLiteral("Bundle")},
        {QStringLiteral("type"), QStringLiteral("batch")},
        {QStringLiteral("entry"),
         QJsonArray {QJsonObject {{QStringLiteral("request"),
                                   QJsonObject {{QStringLiteral("method"), QStringLiteral("GET")},
                                                {QStringLiteral("url"),
                                                 QStringLiteral("Patient/patient-01")}}}},
                     QJsonObject {{QStringLiteral("request"),
                                   QJsonObject {{QStringLiteral("method"), QStringLiteral("GET")},
                                                {QStringLiteral("url"),
                                                 QStringLiteral("Patient/patient-02")}}}}}}};
    const Reply reply = call(m_gateway, QStringLiteral("/fhir/hapi"), m_alice, "POST",
                             QJsonDocument(batch).toJson(), "application/fhir+json");
    QCOMPARE(reply.status, 403);
    QVERIFY2(reply.diagnostics().contains(u"roleFiltering"), qPrintable(reply.diagnostics()));

    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-02/Observation"), m_alice)
                 .status,
             403);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Observation?patient=patient-02"), m_alice)
                 .json()
                 .value(u"entry")
                 .toArray()
                 .size(),
             0);
}

void TestGatewayPipeline::writesOutsideTheCompartmentAreRefusedBeforeTheyAreSent()
{
    const QByteArray token =
        userToken(QStringLiteral("alice"),
                  QStringLiteral("openid fhirUser patient/*.cruds ") + audienceScope);
    QVERIFY(!token.isEmpty());
    const auto observation = [](const QString &id, const QString &patient) {
        QJsonObject resource {
            {QStringLiteral("resourceType"), QStringLiteral("Observation")},
            {QStringLiteral("status"), QStringLiteral("final")},
            {QStringLiteral("code"), QJsonObject {{QStringLiteral("text"), QStringLiteral("x")}}},
            {QStringLiteral("subject"),
             QJsonObject {{QStringLiteral("reference"), QStringLiteral("Patient/") + patient}}}};
        if (!id.isEmpty())
            resource.insert(QStringLiteral("id"), id);
        return QJsonDocument(resource).toJson();
    };
    // Creating data in another patient's compartment: the body is checked.
    Reply reply = call(m_gateway, QStringLiteral("/fhir/hapi/Observation"), token, "POST",
                       observation({}, QStringLiteral("patient-02")), "application/fhir+json");
    QCOMPARE(reply.status, 403);
    QVERIFY2(reply.diagnostics().contains(u"roleFiltering"), qPrintable(reply.diagnostics()));
    // Taking over another patient's observation: the stored one is checked.
    reply = call(
        m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-02-glucose"), token, "PUT",
        observation(QStringLiteral("observation-02-glucose"), QStringLiteral("patient-01")),
        "application/fhir+json");
    QCOMPARE(reply.status, 403);
    QVERIFY2(reply.diagnostics().contains(u"compartment.outside"), qPrintable(reply.diagnostics()));
    reply = call(m_gateway, QStringLiteral("/fhir/hapi/Observation/observation-02-glucose"), token,
                 "DELETE");
    QCOMPARE(reply.status, 403);
    // HAPI still has it, unchanged.
    QNetworkRequest direct(QUrl(hapiUrl() + QStringLiteral("/Observation/observation-02-glucose")));
    const HttpResult stored = send(m_network, "GET", direct);
    QCOMPARE(stored.status, 200);
    QCOMPARE(subjectOf(stored.json().object()), QStringLiteral("Patient/patient-02"));
}

void TestGatewayPipeline::systemTokensAreNotNarrowed()
{
    const QByteArray token =
        localToken({{QStringLiteral("sub"), QStringLiteral("backend")},
                    {QStringLiteral("azp"), QStringLiteral("nightly-export")},
                    {QStringLiteral("scope"), QStringLiteral("system/Observation.rs")}});
    const Reply reply = call(
        m_gateway,
        QStringLiteral("/fhir/hapi/Observation?code=http://loinc.org%7C2339-0&_count=50"), token);
    QCOMPARE(reply.status, 200);
    QCOMPARE(entryIds(reply.json(), u"Observation").size(), 12);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-01"), token).status, 403);
}

void TestGatewayPipeline::auditsEveryRequestWithoutTokensOrIdentifyingValues()
{
    QSignalSpy recorded(&m_gateway, &Gateway::auditRecorded);
    QCOMPARE(call(m_gateway,
                  QStringLiteral("/fhir/hapi/Patient?name=Anderson&birthdate=1985-03-14"), m_alice)
                 .status,
             200);
    QCOMPARE(call(m_gateway, QStringLiteral("/fhir/hapi/Patient/patient-02"), m_alice).status, 403);
    QTRY_COMPARE(recorded.count(), 2);
    const QJsonObject allowed = recorded.at(0).at(0).toJsonObject();
    QCOMPARE(allowed.value(u"path").toString(),
             QStringLiteral("/fhir/hapi/Patient?name=***&birthdate=***"));
    QCOMPARE(allowed.value(u"decision").toString(), QStringLiteral("allow"));
    QCOMPARE(allowed.value(u"client").toString(), toolClient);
    QCOMPARE(allowed.value(u"fhirUser").toString(), QStringLiteral("Patient/patient-01"));
    QCOMPARE(allowed.value(u"patient").toString(), QStringLiteral("patient-01"));
    QCOMPARE(allowed.value(u"upstreamStatus").toInt(), 200);
    QCOMPARE(allowed.value(u"instance").toString(), QStringLiteral("gw-test"));
    const QJsonObject denied = recorded.at(1).at(0).toJsonObject();
    QCOMPARE(denied.value(u"decision").toString(), QStringLiteral("deny"));
    QCOMPARE(denied.value(u"stage").toString(), QStringLiteral("roleFiltering"));
    QCOMPARE(denied.value(u"reason").toString(), QStringLiteral("compartment.outside"));

    m_gateway.flushAudit();
    QFile file(m_dir.filePath(QStringLiteral("audit.log")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray log = file.readAll();
    QVERIFY(log.contains("\"path\":\"/fhir/hapi/Patient?name=***&birthdate=***\""));
    QVERIFY(!log.contains("Anderson"));
    QVERIFY(!log.contains(m_alice.split('.').at(2)));
    QVERIFY(!log.contains(toolSecret.toUtf8()));
}

void TestGatewayPipeline::auditOnlyLetsThroughAndLogs()
{
    Gateway gateway;
    const QString auditFile = m_dir.filePath(QStringLiteral("audit-only.log"));
    QVERIFY(startGateway(
        gateway,
        configJson({{QStringLiteral("roleFiltering"), QStringLiteral("audit-only")}}, auditFile)));
    QSignalSpy recorded(&gateway, &Gateway::auditRecorded);
    const Reply reply = call(gateway, QStringLiteral("/fhir/hapi/Patient/patient-02"), m_alice);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value(u"id").toString(), QStringLiteral("patient-02"));
    QTRY_COMPARE(recorded.count(), 1);
    const QJsonObject record = recorded.at(0).at(0).toJsonObject();
    QCOMPARE(record.value(u"decision").toString(), QStringLiteral("allow"));
    const QJsonObject note = record.value(u"notes").toArray().first().toObject();
    QCOMPARE(note.value(u"stage").toString(), QStringLiteral("roleFiltering"));
    QCOMPARE(note.value(u"reason").toString(), QStringLiteral("compartment.outside"));
    gateway.stop(); // flushes
    QFile file(auditFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject line = QJsonDocument::fromJson(file.readAll().trimmed()).object();
    QCOMPARE(line.value(u"path").toString(), QStringLiteral("/fhir/hapi/Patient/patient-02"));
    QCOMPARE(line.value(u"notes").toArray().first().toObject().value(u"reason").toString(),
             QStringLiteral("compartment.outside"));

    // Scopes still enforce: no scope for Condition in a token without it.
    Gateway scopesAudit;
    QVERIFY(startGateway(scopesAudit,
                         configJson({{QStringLiteral("scopes"), QStringLiteral("audit-only")}},
                                    m_dir.filePath(QStringLiteral("audit-scopes.log")))));
    const QByteArray noScopes =
        userToken(QStringLiteral("alice"), QStringLiteral("openid fhirUser ") + audienceScope);
    QCOMPARE(call(scopesAudit, QStringLiteral("/fhir/hapi/Condition?_count=50"), noScopes).status,
             200);
    // … while role filtering still narrows it to her own conditions.
    const Reply conditions =
        call(scopesAudit, QStringLiteral("/fhir/hapi/Condition?_count=50"), noScopes);
    for (const QJsonValue &entry : conditions.json().value(u"entry").toArray())
        QCOMPARE(subjectOf(entry.toObject().value(u"resource").toObject()),
                 QStringLiteral("Patient/patient-01"));
}

void TestGatewayPipeline::disabledStagesAreSkipped()
{
    Gateway gateway;
    QVERIFY(startGateway(gateway,
                         configJson({{QStringLiteral("roleFiltering"), QStringLiteral("disabled")}},
                                    m_dir.filePath(QStringLiteral("disabled.log")))));
    QSignalSpy recorded(&gateway, &Gateway::auditRecorded);
    QCOMPARE(call(gateway, QStringLiteral("/fhir/hapi/Patient/patient-02"), m_alice).status, 200);
    QTRY_COMPARE(recorded.count(), 1);
    QVERIFY(!recorded.at(0).at(0).toJsonObject().contains(u"notes"));
    // Scopes still apply with role filtering off.
    const QByteArray lab =
        userToken(QStringLiteral("alice"),
                  QStringLiteral("openid fhirUser ") + laboratoryScope + u' ' + audienceScope);
    QCOMPARE(call(gateway, QStringLiteral("/fhir/hapi/Condition"), lab).status, 403);
    gateway.stop();

    // Both off: only the token is checked.
    QVERIFY(startGateway(gateway,
                         configJson({{QStringLiteral("roleFiltering"), QStringLiteral("disabled")},
                                     {QStringLiteral("scopes"), QStringLiteral("disabled")}},
                                    m_dir.filePath(QStringLiteral("disabled2.log")))));
    QCOMPARE(call(gateway, QStringLiteral("/fhir/hapi/Condition/condition-02-1"), lab).status, 200);
    QCOMPARE(
        call(gateway, QStringLiteral("/fhir/hapi/Condition/condition-02-1"), QByteArray()).status,
        401);
}

void TestGatewayPipeline::deadUpstreamGives502AndRecovers()
{
    // A port nobody listens on, until a small upstream starts there.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();

    const QJsonArray flaky {QJsonObject {
        {QStringLiteral("id"), QStringLiteral("flaky")},
        {QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1/fhir").arg(port)}}};
    Gateway gateway;
    QVERIFY(
        startGateway(gateway, configJson({}, m_dir.filePath(QStringLiteral("flaky.log")), flaky)));
    const Reply down = call(gateway, QStringLiteral("/fhir/flaky/metadata"), m_alice);
    QCOMPARE(down.status, 502);
    QCOMPARE(down.json().value(u"resourceType").toString(), QStringLiteral("OperationOutcome"));

    QTcpServer upstream;
    QVERIFY(upstream.listen(QHostAddress::LocalHost, port));
    connect(&upstream, &QTcpServer::newConnection, &upstream, [&upstream] {
        while (QTcpSocket *socket = upstream.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                if (!socket->readAll().contains("\r\n\r\n"))
                    return;
                const QByteArray body = R"({"resourceType":"CapabilityStatement"})";
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                              "Content-Length: "
                              + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            });
        }
    });
    const Reply up = call(gateway, QStringLiteral("/fhir/flaky/metadata"), m_alice);
    QCOMPARE(up.status, 200);
    QCOMPARE(up.json().value(u"resourceType").toString(), QStringLiteral("CapabilityStatement"));
    // HAPI behind the same gateway was never affected.
    QCOMPARE(call(gateway, QStringLiteral("/fhir/hapi/Patient/patient-01"), m_alice).status, 200);
}

QTEST_MAIN(TestGatewayPipeline)
#include "tst_gatewaypipeline.moc"
