// Users and their fhirUser: references, validation, representations.
#include "keycloak/KeycloakUser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace ProxySmart;

class TestKeycloakUser : public QObject
{
    Q_OBJECT

private slots:
    void fhirUserReference_data();
    void fhirUserReference();
    void readsUserWithFhirUser();
    void refusesMalformedUsers_data();
    void refusesMalformedUsers();
    void applyToKeepsOtherAttributes();
    void validateRefusesUnknownRequiredAction();
};

void TestKeycloakUser::fhirUserReference_data()
{
    QTest::addColumn<QString>("reference");
    QTest::addColumn<bool>("valid");
    QTest::newRow("a Patient") << "Patient/patient-01" << true;
    QTest::newRow("a Practitioner") << "Practitioner/123" << true;
    QTest::newRow("a RelatedPerson") << "RelatedPerson/rp.1" << true;
    QTest::newRow("a Person") << "Person/p" << true;
    QTest::newRow("an Observation is no user") << "Observation/1" << false;
    QTest::newRow("an absolute URL is refused") << "https://fhir.example.org/Patient/1" << false;
    QTest::newRow("no id") << "Patient/" << false;
    QTest::newRow("a path in the id") << "Patient/1/_history/2" << false;
    QTest::newRow("empty") << "" << false;
}

void TestKeycloakUser::fhirUserReference()
{
    QFETCH(QString, reference);
    QFETCH(bool, valid);
    QCOMPARE(KeycloakUser::isFhirUserReference(reference), valid);
}

void TestKeycloakUser::readsUserWithFhirUser()
{
    const auto user = KeycloakUser::fromRepresentation(
        QJsonDocument::fromJson(R"({"id":"u1","username":"alice","enabled":true,
            "email":"alice@example.org","attributes":{"fhirUser":["Patient/patient-01"]},
            "requiredActions":["UPDATE_PASSWORD"]})")
            .object());
    QVERIFY(user.ok());
    QCOMPARE(user->fhirUser, QStringLiteral("Patient/patient-01"));
    QCOMPARE(user->requiredActions, QStringList {QStringLiteral("UPDATE_PASSWORD")});
    QCOMPARE(user->toJson().value(u"fhirUser").toString(), QStringLiteral("Patient/patient-01"));
}

void TestKeycloakUser::refusesMalformedUsers_data()
{
    QTest::addColumn<QByteArray>("user");
    QTest::newRow("no id") << QByteArray(R"({"username":"a"})");
    QTest::newRow("enabled as text") << QByteArray(R"({"id":"u","username":"a","enabled":"yes"})");
    QTest::newRow("fhirUser as a string instead of a list")
        << QByteArray(R"({"id":"u","username":"a","attributes":{"fhirUser":"Patient/1"}})");
    QTest::newRow("fhirUser list holding a number")
        << QByteArray(R"({"id":"u","username":"a","attributes":{"fhirUser":[1]}})");
}

void TestKeycloakUser::refusesMalformedUsers()
{
    QFETCH(QByteArray, user);
    const auto read = KeycloakUser::fromRepresentation(QJsonDocument::fromJson(user).object());
    QVERIFY(!read.ok());
    QCOMPARE(read.error().code, QStringLiteral("malformed_response"));
}

void TestKeycloakUser::applyToKeepsOtherAttributes()
{
    QJsonObject stored {
        {QStringLiteral("id"), QStringLiteral("u1")},
        {QStringLiteral("attributes"),
         QJsonObject {{QStringLiteral("department"), QJsonArray {QStringLiteral("cardiology")}}}}};
    KeycloakUser user;
    user.username = QStringLiteral("dr-who");
    user.fhirUser = QStringLiteral("Practitioner/p1");
    user.applyTo(stored);
    const QJsonObject attributes = stored.value(u"attributes").toObject();
    QCOMPARE(attributes.value(u"department").toArray().first().toString(),
             QStringLiteral("cardiology"));
    QCOMPARE(attributes.value(u"fhirUser").toArray().first().toString(),
             QStringLiteral("Practitioner/p1"));
    user.fhirUser.clear();
    user.applyTo(stored);
    QVERIFY(!stored.value(u"attributes").toObject().contains(u"fhirUser"));
}

void TestKeycloakUser::validateRefusesUnknownRequiredAction()
{
    KeycloakUser user;
    user.username = QStringLiteral("carol");
    QVERIFY(!user.validate());
    user.requiredActions = {QStringLiteral("DANCE")};
    QVERIFY(user.validate().has_value());
    user.requiredActions = {QStringLiteral("VERIFY_EMAIL")};
    user.fhirUser = QStringLiteral("Encounter/1");
    QVERIFY(user.validate().has_value());
}

QTEST_GUILESS_MAIN(TestKeycloakUser)
#include "tst_keycloakuser.moc"
