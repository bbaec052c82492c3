#include "authz/ResourceTypes.h"
#include "authz/ScopeSet.h"

#include <QTest>

using namespace ProxySmart::Authz;

namespace {

QString kindName(Scope::Kind kind)
{
    switch (kind) {
    case Scope::Kind::Resource:
        return QStringLiteral("resource");
    case Scope::Kind::Launch:
        return QStringLiteral("launch");
    case Scope::Kind::LaunchPatient:
        return QStringLiteral("launch/patient");
    case Scope::Kind::LaunchEncounter:
        return QStringLiteral("launch/encounter");
    case Scope::Kind::OpenId:
        return QStringLiteral("openid");
    case Scope::Kind::FhirUser:
        return QStringLiteral("fhirUser");
    case Scope::Kind::Profile:
        return QStringLiteral("profile");
    case Scope::Kind::OfflineAccess:
        return QStringLiteral("offline_access");
    case Scope::Kind::OnlineAccess:
        return QStringLiteral("online_access");
    case Scope::Kind::Unknown:
        return QStringLiteral("unknown");
    }
    return {};
}

// "context/Type.letters[v2][?name=a,b&name=c]" for resource scopes.
QString render(const Scope &scope)
{
    if (scope.kind != Scope::Kind::Resource)
        return kindName(scope.kind);
    QString text = contextName(scope.context).toString() + QLatin1Char('/')
        + ResourceTypes::name(scope.resourceType).toString() + QLatin1Char('.')
        + permissionLetters(scope.permissions) + (scope.v2 ? QStringLiteral(" v2") : QString());
    QStringList params;
    for (const GranularParam &param : scope.filter.params)
        params.append(param.name + QLatin1Char('=') + param.values.join(QLatin1Char(',')));
    if (!params.isEmpty())
        text += QLatin1Char('?') + params.join(QLatin1Char('&'));
    return text;
}

} // namespace

class TestScopeParser : public QObject
{
    Q_OBJECT

private slots:
    void parseScope_data();
    void parseScope();
    void scopeSet_data();
    void scopeSet();
    void resourceTypeTable();
    void compartmentTable_data();
    void compartmentTable();
};

void TestScopeParser::parseScope_data()
{
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QString>("expected"); // render() of the parsed scope

    const auto row = [](const char *name, const char *scope, const char *expected) {
        QTest::newRow(name) << QString::fromUtf8(scope) << QString::fromUtf8(expected);
    };

    // SMART v1
    row("a v1 patient read scope grants read and search", "patient/Observation.read",
        "patient/Observation.rs");
    row("a v1 patient write scope grants create, update and delete", "patient/Observation.write",
        "patient/Observation.cud");
    row("a v1 star permission grants everything", "patient/Observation.*",
        "patient/Observation.cruds");
    row("a v1 user wildcard write scope covers every type", "user/*.write", "user/*.cud");
    row("a v1 system star-star scope grants everything on every type", "system/*.*",
        "system/*.cruds");
    row("a v1 user read scope on Patient is understood", "user/Patient.read", "user/Patient.rs");
    row("a v1 system read scope on Encounter is understood", "system/Encounter.read",
        "system/Encounter.rs");

    // SMART v2
    row("a v2 rs scope grants read and search", "patient/Observation.rs",
        "patient/Observation.rs v2");
    row("a v2 cruds scope grants everything", "user/*.cruds", "user/*.cruds v2");
    row("a v2 single letter r grants read only", "patient/Condition.r", "patient/Condition.r v2");
    row("a v2 single letter s grants search only", "patient/Condition.s", "patient/Condition.s v2");
    row("a v2 single letter c grants create only", "user/Observation.c", "user/Observation.c v2");
    row("a v2 cu scope grants create and update", "user/Observation.cu", "user/Observation.cu v2");
    row("a v2 cud scope matches the v1 write mapping", "system/Patient.cud",
        "system/Patient.cud v2");
    row("a v2 rd scope skips letters but keeps the order", "patient/Goal.rd", "patient/Goal.rd v2");
    row("a v2 system wildcard rs scope is understood", "system/*.rs", "system/*.rs v2");
    row("a v2 ds scope is understood", "user/Encounter.ds", "user/Encounter.ds v2");

    // v2 order and repetition
    row("v2 letters out of order are refused", "patient/Observation.sr", "unknown");
    row("v2 letters repeated are refused", "patient/Observation.rrs", "unknown");
    row("v2 letters in reverse cruds order are refused", "patient/Observation.sdurc", "unknown");
    row("an unknown permission letter is refused", "patient/Observation.rx", "unknown");
    row("upper-case v2 letters are refused", "patient/Observation.RS", "unknown");
    row("upper-case v1 READ is refused", "patient/Observation.READ", "unknown");
    row("an empty permission is refused", "patient/Observation.", "unknown");
    row("a scope without permissions is refused", "patient/Observation", "unknown");
    row("a v1 read with a trailing letter is refused", "patient/Observation.reads", "unknown");

    // Contexts and types
    row("an unknown context grants nothing", "admin/Observation.rs", "unknown");
    row("a capitalised context is refused", "Patient/Observation.rs", "unknown");
    row("a lower-case resource type is not a FHIR type", "patient/observation.rs", "unknown");
    row("an unknown resource type grants nothing", "patient/Foo.rs", "unknown");
    row("an R5-only resource type grants nothing", "patient/DeviceUsage.rs", "unknown");
    row("an empty resource type grants nothing", "patient/.rs", "unknown");
    row("a scope with two slashes grants nothing", "patient/Observation/x.rs", "unknown");
    row("a context with nothing after the slash grants nothing", "patient/", "unknown");
    row("a bare word grants nothing", "read", "unknown");

    // Granular scopes
    row("a granular scope with a system and code keeps both",
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/"
        "observation-category|laboratory",
        "patient/Observation.rs v2?category=http://terminology.hl7.org/CodeSystem/"
        "observation-category|laboratory");
    row("a granular scope with a code but no system is understood",
        "patient/Observation.rs?category=laboratory",
        "patient/Observation.rs v2?category=laboratory");
    row("a granular scope with a percent-encoded bar is decoded",
        "patient/Observation.rs?category=http://x%7Claboratory",
        "patient/Observation.rs v2?category=http://x|laboratory");
    row("a granular scope with several parameters keeps them all",
        "patient/Observation.rs?category=laboratory&code=http://loinc.org|1234-5",
        "patient/Observation.rs v2?category=laboratory&code=http://loinc.org|1234-5");
    row("a granular scope with alternatives keeps each alternative",
        "user/Condition.rs?category=problem-list-item,encounter-diagnosis",
        "user/Condition.rs v2?category=problem-list-item,encounter-diagnosis");
    row("a granular scope on _tag is understood", "system/Observation.rs?_tag=http://x|y",
        "system/Observation.rs v2?_tag=http://x|y");
    row("a granular scope on a v1 scope is refused", "patient/Observation.read?category=laboratory",
        "unknown");
    row("a granular scope on a wildcard type is refused", "patient/*.rs?category=laboratory",
        "unknown");
    row("a granular scope with an empty query is refused", "patient/Observation.rs?", "unknown");
    row("a granular scope without a value is refused", "patient/Observation.rs?category",
        "unknown");
    row("a granular scope with an empty value is refused",
        "patient/Observation.rs?category=", "unknown");
    row("a granular scope with an empty alternative is refused",
        "patient/Observation.rs?category=a,,b", "unknown");
    row("a granular scope with a chained parameter is refused",
        "patient/Observation.rs?subject.name=x", "unknown");
    row("a granular scope with a modifier is refused", "patient/Observation.rs?code:below=x",
        "unknown");
    row("a granular scope with _has is refused",
        "patient/Patient.rs?_has:Observation:patient:code=x", "unknown");
    row("a granular scope with broken percent-encoding is refused",
        "patient/Observation.rs?category=%zz", "unknown");
    row("a granular scope with an encoded NUL is refused", "patient/Observation.rs?category=a%00b",
        "unknown");
    row("a granular scope with an empty parameter between ampersands is refused",
        "patient/Observation.rs?category=a&&code=b", "unknown");

    // Launch and identity scopes
    row("launch is recognised", "launch", "launch");
    row("launch/patient is recognised", "launch/patient", "launch/patient");
    row("launch/encounter is recognised", "launch/encounter", "launch/encounter");
    row("openid is recognised", "openid", "openid");
    row("fhirUser is recognised", "fhirUser", "fhirUser");
    row("profile is recognised", "profile", "profile");
    row("offline_access is recognised", "offline_access", "offline_access");
    row("online_access is recognised", "online_access", "online_access");
    row("a lower-case fhiruser is not fhirUser", "fhiruser", "unknown");
    row("an unknown launch context grants nothing", "launch/practitioner", "unknown");
    row("an upper-case OPENID is not openid", "OPENID", "unknown");
    row("an over-long scope is refused",
        QByteArray("patient/Observation.rs?category=" + QByteArray(3000, 'a')).constData(),
        "unknown");
}

void TestScopeParser::parseScope()
{
    QFETCH(QString, scope);
    QFETCH(QString, expected);
    const Scope parsed = ScopeSet::parseScope(scope);
    QCOMPARE(render(parsed), expected);
    QCOMPARE(parsed.text, scope);
    if (parsed.kind == Scope::Kind::Unknown) {
        QVERIFY(!parsed.invalidReason.isEmpty());
        QCOMPARE(parsed.permissions, quint8(0));
    }
}

void TestScopeParser::scopeSet_data()
{
    QTest::addColumn<QString>("scopes");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("unknown");
    QTest::addColumn<QString>("rendered");

    QTest::newRow("an empty scope string holds no scopes") << QString() << 0 << 0 << QString();
    QTest::newRow("spaces alone hold no scopes") << QStringLiteral("   ") << 0 << 0 << QString();
    QTest::newRow("a typical patient app token parses every scope")
        << QStringLiteral("launch/patient openid fhirUser offline_access patient/*.rs") << 5 << 0
        << QStringLiteral("launch/patient openid fhirUser offline_access patient/*.rs v2");
    QTest::newRow("v1 and v2 scopes may appear in one token")
        << QStringLiteral("patient/Observation.read patient/Condition.rs") << 2 << 0
        << QStringLiteral("patient/Observation.rs patient/Condition.rs v2");
    QTest::newRow("repeated spaces between scopes are tolerated")
        << QStringLiteral("openid   user/*.read") << 2 << 0 << QStringLiteral("openid user/*.rs");
    QTest::newRow("unknown scopes are kept and reported")
        << QStringLiteral("patient/Observation.rs bogus patient/observation.rs") << 3 << 2
        << QStringLiteral("patient/Observation.rs v2 unknown unknown");
    QTest::newRow("a tab is not a scope separator, so the scope is unknown")
        << QStringLiteral("openid\tpatient/*.rs") << 1 << 1 << QStringLiteral("unknown");
}

void TestScopeParser::scopeSet()
{
    QFETCH(QString, scopes);
    QFETCH(int, count);
    QFETCH(int, unknown);
    QFETCH(QString, rendered);
    const ScopeSet set = ScopeSet::parse(scopes);
    QCOMPARE(set.scopes().size(), count);
    QCOMPARE(set.unknownScopes().size(), unknown);
    QStringList parts;
    for (const Scope &scope : set.scopes())
        parts.append(render(scope));
    QCOMPARE(parts.join(QLatin1Char(' ')), rendered);
}

void TestScopeParser::resourceTypeTable()
{
    // Every FHIR R4 4.0.1 resource type, sorted for the binary search.
    QCOMPARE(ResourceTypes::count(), 146);
    for (int i = 1; i < ResourceTypes::count(); ++i) {
        QVERIFY2(ResourceTypes::name(i - 1).compare(ResourceTypes::name(i)) < 0,
                 qPrintable(ResourceTypes::name(i).toString()));
        QCOMPARE(ResourceTypes::indexOf(ResourceTypes::name(i)), i);
    }
    QCOMPARE(ResourceTypes::indexOf(u"observation"), ResourceTypes::None);
    QCOMPARE(ResourceTypes::indexOf(u""), ResourceTypes::None);
    QCOMPARE(ResourceTypes::indexOf(u"Observation "), ResourceTypes::None);
    QCOMPARE(ResourceTypes::name(ResourceTypes::All), QStringView(u"*"));
}

void TestScopeParser::compartmentTable_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("parameters");
    QTest::addColumn<QString>("narrowing");

    const auto row = [](const char *name, const char *type, const char *params,
                        const char *narrowing) {
        QTest::newRow(name) << QString::fromUtf8(type) << QString::fromUtf8(params)
                            << QString::fromUtf8(narrowing);
    };
    row("Observation links to the patient by subject and performer", "Observation",
        "subject,performer", "patient");
    row("Encounter links to the patient by patient", "Encounter", "patient", "patient");
    row("CareTeam links to the patient by patient and participant", "CareTeam",
        "patient,participant", "patient");
    row("MedicationRequest links to the patient by subject", "MedicationRequest", "subject",
        "patient");
    row("Consent links to the patient by patient", "Consent", "patient", "patient");
    row("Patient links to the patient by link and is narrowed by _id", "Patient", "link", "_id");
    row("Group links to the patient by member", "Group", "member", "member");
    row("ResearchSubject links to the patient by individual", "ResearchSubject", "individual",
        "individual");
    row("Schedule links to the patient by actor", "Schedule", "actor", "actor");
    row("Coverage links to the patient four ways", "Coverage",
        "policy-holder,subscriber,beneficiary,payor", "patient");
    row("SupplyRequest is narrowed by subject", "SupplyRequest", "subject", "subject");
    row("Practitioner is not in the patient compartment", "Practitioner", "", "");
    row("Medication is not in the patient compartment", "Medication", "", "");
    row("Organization is not in the patient compartment", "Organization", "", "");
}

void TestScopeParser::compartmentTable()
{
    QFETCH(QString, type);
    QFETCH(QString, parameters);
    QFETCH(QString, narrowing);
    const int index = ResourceTypes::indexOf(type);
    QVERIFY(index >= 0);
    QStringList params;
    for (QStringView param : ResourceTypes::compartmentParameters(index))
        params.append(param.toString());
    QCOMPARE(params.join(QLatin1Char(',')), parameters);
    QCOMPARE(ResourceTypes::narrowingParameter(index).toString(), narrowing);
    QCOMPARE(ResourceTypes::inPatientCompartment(index), !parameters.isEmpty());
}

QTEST_GUILESS_MAIN(TestScopeParser)
#include "tst_scopeparser.moc"
