#include "authz/ScopeSet.h"
#include "gateway/ResourceCheck.h"

#include <QJsonDocument>
#include <QTest>

using namespace ProxySmart;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

Authz::GranularFilter filterOf(const QString &scope)
{
    return Authz::ScopeSet::parseScope(scope).filter;
}

} // namespace

class TestResourceCheck : public QObject
{
    Q_OBJECT

private slots:
    void findsThePatientsAResourceBelongsTo_data();
    void findsThePatientsAResourceBelongsTo();
    void typesOutsideTheCompartmentAreAdmitted();
    void granularFiltersMatchTokens_data();
    void granularFiltersMatchTokens();
    void constraintsOnOtherTypesAdmit();
    void queryParametersAreEncoded_data();
    void queryParametersAreEncoded();
};

void TestResourceCheck::findsThePatientsAResourceBelongsTo_data()
{
    QTest::addColumn<QByteArray>("resource");
    QTest::addColumn<QStringList>("patients");

    QTest::newRow("an observation belongs to its subject")
        << QByteArray(R"({"resourceType": "Observation", "subject": {"reference": "Patient/p1"}})")
        << QStringList {QStringLiteral("p1")};
    QTest::newRow("an absolute, versioned reference counts by its id")
        << QByteArray(R"({"resourceType": "Observation",
                          "subject": {"reference": "http://fhir/Patient/p1/_history/3"}})")
        << QStringList {QStringLiteral("p1")};
    QTest::newRow("a care team belongs to its subject and its patient members")
        << QByteArray(R"({"resourceType": "CareTeam", "subject": {"reference": "Patient/p1"},
                          "participant": [{"member": {"reference": "Practitioner/d"}},
                                          {"member": {"reference": "Patient/p2"}}]})")
        << QStringList {QStringLiteral("p1"), QStringLiteral("p2")};
    QTest::newRow("an encounter belongs to its subject, not to its participants")
        << QByteArray(R"({"resourceType": "Encounter", "subject": {"reference": "Patient/p1"},
                          "participant": [{"individual": {"reference": "Practitioner/d"}}]})")
        << QStringList {QStringLiteral("p1")};
    QTest::newRow("a patient belongs to itself and its linked patients")
        << QByteArray(R"({"resourceType": "Patient", "id": "p1",
                          "link": [{"other": {"reference": "Patient/p9"}}]})")
        << QStringList {QStringLiteral("p1"), QStringLiteral("p9")};
    QTest::newRow("contained and urn references count for nothing")
        << QByteArray(R"({"resourceType": "Observation",
                          "subject": {"reference": "#p"},
                          "performer": [{"reference": "urn:uuid:1234"}]})")
        << QStringList {};
    QTest::newRow("a reference to another type is not a patient")
        << QByteArray(R"({"resourceType": "Observation", "subject": {"reference": "Group/p1"}})")
        << QStringList {};
}

void TestResourceCheck::findsThePatientsAResourceBelongsTo()
{
    QFETCH(QByteArray, resource);
    QFETCH(QStringList, patients);
    QSet<QString> found = ResourceCheck::patientsOf(QJsonDocument::fromJson(resource).object());
    QStringList sorted(found.cbegin(), found.cend());
    sorted.sort();
    QCOMPARE(sorted, patients);
}

void TestResourceCheck::typesOutsideTheCompartmentAreAdmitted()
{
    QVERIFY(ResourceCheck::inCompartment(json(R"({"resourceType": "Practitioner", "id": "d"})"),
                                         {QStringLiteral("p1")}));
    QVERIFY(!ResourceCheck::inCompartment(json(R"({"resourceType": "Patient", "id": "p2"})"),
                                          {QStringLiteral("p1")}));
    QVERIFY(!ResourceCheck::inCompartment(json(R"({"resourceType": "Nonsense"})"),
                                          {QStringLiteral("p1")}));
}

void TestResourceCheck::granularFiltersMatchTokens_data()
{
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QByteArray>("resource");
    QTest::addColumn<bool>("matches");

    const QByteArray lab = R"({"resourceType": "Observation", "status": "final", "category": [
        {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "laboratory"}]}]})";
    const QString categoryScope =
        QStringLiteral("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
                       "observation-category|laboratory");
    QTest::newRow("a laboratory observation matches the laboratory scope")
        << categoryScope << lab << true;
    QTest::newRow("a vital sign does not match the laboratory scope")
        << categoryScope << QByteArray(R"({"resourceType": "Observation", "category": [
               {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "vital-signs"}]}]})")
        << false;
    QTest::newRow("the same code in another system does not match")
        << categoryScope << QByteArray(R"({"resourceType": "Observation", "category": [
               {"coding": [{"system": "http://example.org", "code": "laboratory"}]}]})")
        << false;
    QTest::newRow("a code without system matches in any system")
        << QStringLiteral("patient/Observation.rs?category=laboratory") << lab << true;
    QTest::newRow("a resource without the element does not match")
        << categoryScope << QByteArray(R"({"resourceType": "Observation"})") << false;
    QTest::newRow("a plain code element matches its value")
        << QStringLiteral("patient/Observation.rs?status=final") << lab << true;
}

void TestResourceCheck::granularFiltersMatchTokens()
{
    QFETCH(QString, scope);
    QFETCH(QByteArray, resource);
    QFETCH(bool, matches);
    const Authz::GranularFilter filter = filterOf(scope);
    QVERIFY(!filter.isEmpty());
    QCOMPARE(ResourceCheck::matches(QJsonDocument::fromJson(resource).object(), filter), matches);
}

void TestResourceCheck::constraintsOnOtherTypesAdmit()
{
    Authz::Constraint constraint;
    constraint.kind = Authz::Constraint::Kind::CheckResponse;
    constraint.resourceType = Authz::ResourceTypes::indexOf(u"Observation");
    constraint.patients = {QStringLiteral("p1")};
    const QSet<QString> patients {QStringLiteral("p1")};
    QVERIFY(ResourceCheck::admits(
        constraint,
        json(R"({"resourceType": "Condition", "subject": {"reference": "Patient/p2"}})"),
        patients));
    QVERIFY(!ResourceCheck::admits(
        constraint,
        json(R"({"resourceType": "Observation", "subject": {"reference": "Patient/p2"}})"),
        patients));
    constraint.resourceType = Authz::ResourceTypes::All;
    QVERIFY(!ResourceCheck::admits(
        constraint,
        json(R"({"resourceType": "Condition", "subject": {"reference": "Patient/p2"}})"),
        patients));
}

void TestResourceCheck::queryParametersAreEncoded_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("patient references keep their slash and commas")
        << QStringLiteral("patient") << QStringLiteral("Patient/a,Patient/b")
        << QByteArray("patient=Patient/a,Patient/b");
    QTest::newRow("a token's bar and the URL's colons are escaped")
        << QStringLiteral("category")
        << QStringLiteral("http://terminology.hl7.org/CodeSystem/observation-category|laboratory")
        << QByteArray("category=http%3A//terminology.hl7.org/CodeSystem/"
                      "observation-category%7Claboratory");
    QTest::newRow("ampersands and equals signs cannot add parameters")
        << QStringLiteral("code") << QStringLiteral("a&patient=b")
        << QByteArray("code=a%26patient%3Db");
}

void TestResourceCheck::queryParametersAreEncoded()
{
    QFETCH(QString, name);
    QFETCH(QString, value);
    QFETCH(QByteArray, encoded);
    QCOMPARE(ResourceCheck::queryParameter(name, value), encoded);
}

QTEST_GUILESS_MAIN(TestResourceCheck)
#include "tst_resourcecheck.moc"
