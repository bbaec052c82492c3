// The test harness itself: the real Keycloak has the test realm, the real
// HAPI FHIR server has the synthetic data set.
#include "TestServers.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace ProxySmart::TestServers;

class TestTestServers : public QObject
{
    Q_OBJECT

private slots:
    void keycloakAdminCanReadTheTestRealmsClients();
    void keycloakUsersCarryTheirFhirUser_data();
    void keycloakUsersCarryTheirFhirUser();
    void keycloakRefusesAWrongAdminPassword();
    void hapiHasTheSeededPatients();
    void hapiHasObservationsOfEachCategory_data();
    void hapiHasObservationsOfEachCategory();
    void hapiKnowsWhichPatientsAPractitionerHas();

private:
    QNetworkAccessManager m_manager;
};

void TestTestServers::keycloakAdminCanReadTheTestRealmsClients()
{
    const QString token = adminToken(m_manager);
    QVERIFY2(!token.isEmpty(), "no admin token from Keycloak");
    QNetworkRequest request(QUrl(keycloakUrl() + QStringLiteral("/admin/realms/") + realm()
                                 + QStringLiteral("/clients")));
    request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    const HttpResult result = send(m_manager, "GET", request);
    QCOMPARE(result.status, 200);
    QStringList clientIds;
    for (const QJsonValue &client : result.json().array())
        clientIds << client.toObject().value(u"clientId").toString();
    for (const QString &expected :
         {QStringLiteral("smart-public-app"), QStringLiteral("smart-confidential-app"),
          QStringLiteral("smart-backend-service")})
        QVERIFY2(clientIds.contains(expected), qPrintable(expected));

    QJsonObject publicApp;
    for (const QJsonValue &client : result.json().array()) {
        if (client.toObject().value(u"clientId").toString() == u"smart-public-app")
            publicApp = client.toObject();
    }
    QCOMPARE(publicApp.value(u"publicClient").toBool(), true);
    QCOMPARE(
        publicApp.value(u"attributes").toObject().value(u"pkce.code.challenge.method").toString(),
        QStringLiteral("S256"));
}

void TestTestServers::keycloakUsersCarryTheirFhirUser_data()
{
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("fhirUser");
    QTest::newRow("alice is linked to her Patient record") << "alice"
                                                           << "Patient/patient-01";
    QTest::newRow("bob is linked to his Patient record") << "bob"
                                                         << "Patient/patient-02";
    QTest::newRow("dr-smith is linked to her Practitioner record")
        << "dr-smith"
        << "Practitioner/practitioner-01";
    QTest::newRow("dr-jones is linked to his Practitioner record")
        << "dr-jones"
        << "Practitioner/practitioner-02";
}

void TestTestServers::keycloakUsersCarryTheirFhirUser()
{
    QFETCH(QString, username);
    QFETCH(QString, fhirUser);
    const QString token = adminToken(m_manager);
    QVERIFY(!token.isEmpty());
    QUrl url(keycloakUrl() + QStringLiteral("/admin/realms/") + realm() + QStringLiteral("/users"));
    url.setQuery(QUrlQuery {{QStringLiteral("username"), username},
                            {QStringLiteral("exact"), QStringLiteral("true")},
                            {QStringLiteral("briefRepresentation"), QStringLiteral("false")}});
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    const HttpResult result = send(m_manager, "GET", request);
    QCOMPARE(result.status, 200);
    const QJsonArray users = result.json().array();
    QCOMPARE(users.size(), 1);
    const QJsonArray values =
        users.first().toObject().value(u"attributes").toObject().value(u"fhirUser").toArray();
    QCOMPARE(values.size(), 1);
    QCOMPARE(values.first().toString(), fhirUser);

    // The referenced resource exists in the FHIR data set.
    const HttpResult resource =
        send(m_manager, "GET", QNetworkRequest(QUrl(hapiUrl() + u'/' + fhirUser)));
    QCOMPARE(resource.status, 200);
}

void TestTestServers::keycloakRefusesAWrongAdminPassword()
{
    QNetworkRequest request(
        QUrl(keycloakUrl() + QStringLiteral("/realms/master/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    const HttpResult result =
        send(m_manager, "POST", request,
             "grant_type=password&client_id=admin-cli&username=admin&password=wrong");
    // RFC 6749 section 5.2: invalid resource owner credentials are an invalid_grant (400).
    QCOMPARE(result.status, 400);
    QCOMPARE(result.json().object().value(u"error").toString(), QStringLiteral("invalid_grant"));
}

void TestTestServers::hapiHasTheSeededPatients()
{
    const HttpResult result =
        send(m_manager, "GET",
             QNetworkRequest(QUrl(hapiUrl() + QStringLiteral("/Patient?_summary=count"))));
    QCOMPARE(result.status, 200);
    QVERIFY(result.json().object().value(u"total").toInt() >= 10);

    const HttpResult alice = send(
        m_manager, "GET", QNetworkRequest(QUrl(hapiUrl() + QStringLiteral("/Patient/patient-01"))));
    QCOMPARE(alice.status, 200);
    QCOMPARE(alice.json()
                 .object()
                 .value(u"name")
                 .toArray()
                 .first()
                 .toObject()
                 .value(u"family")
                 .toString(),
             QStringLiteral("Anderson"));
}

void TestTestServers::hapiHasObservationsOfEachCategory_data()
{
    QTest::addColumn<QString>("category");
    QTest::newRow("laboratory results are seeded") << "laboratory";
    QTest::newRow("vital signs are seeded") << "vital-signs";
    QTest::newRow("social history is seeded") << "social-history";
}

void TestTestServers::hapiHasObservationsOfEachCategory()
{
    QFETCH(QString, category);
    QUrl url(hapiUrl() + QStringLiteral("/Observation"));
    url.setQuery(QUrlQuery {
        {QStringLiteral("category"),
         QStringLiteral("http://terminology.hl7.org/CodeSystem/observation-category|") + category},
        {QStringLiteral("patient"), QStringLiteral("Patient/patient-01")}});
    const HttpResult result = send(m_manager, "GET", QNetworkRequest(url));
    QCOMPARE(result.status, 200);
    const QJsonArray entries = result.json().object().value(u"entry").toArray();
    QVERIFY(!entries.isEmpty());
    for (const QJsonValue &entry : entries) {
        const QJsonObject observation = entry.toObject().value(u"resource").toObject();
        QCOMPARE(observation.value(u"subject").toObject().value(u"reference").toString(),
                 QStringLiteral("Patient/patient-01"));
        const QJsonArray codings =
            observation.value(u"category").toArray().first().toObject().value(u"coding").toArray();
        QCOMPARE(codings.first().toObject().value(u"code").toString(), category);
    }
}

void TestTestServers::hapiKnowsWhichPatientsAPractitionerHas()
{
    const HttpResult result =
        send(m_manager, "GET",
             QNetworkRequest(
                 QUrl(hapiUrl()
                      + QStringLiteral("/Patient?general-practitioner=Practitioner/practitioner-01"
                                       "&_elements=id&_sort=_id"))));
    QCOMPARE(result.status, 200);
    QStringList ids;
    for (const QJsonValue &entry : result.json().object().value(u"entry").toArray())
        ids << entry.toObject().value(u"resource").toObject().value(u"id").toString();
    QCOMPARE(ids,
             (QStringList {QStringLiteral("patient-01"), QStringLiteral("patient-02"),
                           QStringLiteral("patient-03")}));
}

QTEST_GUILESS_MAIN(TestTestServers)
#include "tst_testservers.moc"
