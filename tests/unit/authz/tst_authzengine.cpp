#include "authz/Engine.h"
#include "cli/Cli.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace ProxySmart::Authz;

namespace {

const char *const lab = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
const char *const vital = "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs";

// "kind Type[/id] [param=value] [patients=a,b] [role=X] [name=values…|anyOf=a | b]"
QString render(const Constraint &constraint)
{
    QString text = constraint.kindName() + QLatin1Char(' ')
        + ResourceTypes::name(constraint.resourceType).toString();
    if (!constraint.id.isEmpty())
        text += QLatin1Char('/') + constraint.id;
    if (constraint.kind == Constraint::Kind::NarrowSearch) {
        text += QLatin1Char(' ') + constraint.param;
        if (!constraint.patients.isEmpty())
            text += QLatin1Char('=') + constraint.searchValue();
    } else if (!constraint.patients.isEmpty()) {
        text += QStringLiteral(" patients=") + constraint.patients.join(QLatin1Char(','));
    }
    if (!constraint.roleFilter.isEmpty())
        text += QStringLiteral(" role=") + constraint.roleFilter;
    if (constraint.kind == Constraint::Kind::AddParameters) {
        for (const GranularFilter &filter : constraint.anyOf) {
            for (const GranularParam &param : filter.params)
                text += QLatin1Char(' ') + param.name + QLatin1Char('=')
                    + param.values.join(QLatin1Char(','));
        }
    } else if (!constraint.anyOf.isEmpty()) {
        QStringList texts;
        for (const GranularFilter &filter : constraint.anyOf)
            texts.append(filter.text);
        text += QStringLiteral(" anyOf=") + texts.join(QStringLiteral(" | "));
    }
    return text;
}

QString render(const Decision &decision)
{
    QStringList parts;
    for (const Constraint &constraint : decision.constraints)
        parts.append(render(constraint));
    for (size_t i = 0; i < decision.entries.size(); ++i) {
        for (const Constraint &constraint : decision.entries[i].constraints)
            parts.append(QStringLiteral("[%1] ").arg(i) + render(constraint));
    }
    return parts.join(QStringLiteral("; "));
}

// "p=123 u=Practitioner/9 a=1,2" (a= with nothing: assignments known, none)
AuthzContext parseContext(const QString &text)
{
    AuthzContext context;
    for (const QString &part : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (part.startsWith(QLatin1String("p=")))
            context.patientId = part.mid(2);
        else if (part.startsWith(QLatin1String("u=")))
            context.fhirUser = part.mid(2);
        else if (part.startsWith(QLatin1String("a="))) {
            context.assignedPatientsKnown = true;
            context.assignedPatients = part.mid(2).split(QLatin1Char(','), Qt::SkipEmptyParts);
        }
    }
    return context;
}

QByteArray resource(const char *type, const char *id = nullptr)
{
    QByteArray json = QByteArray("{\"resourceType\":\"") + type + "\"";
    if (id)
        json += QByteArray(",\"id\":\"") + id + "\"";
    return json + ",\"subject\":{\"reference\":\"Patient/123\"}}";
}

QByteArray bundle(const char *type, const QByteArray &entries)
{
    return QByteArray("{\"resourceType\":\"Bundle\",\"type\":\"") + type + "\",\"entry\":["
        + entries + "]}";
}

QByteArray entry(const char *method, const char *url, const QByteArray &resourceJson = {})
{
    QByteArray json =
        QByteArray("{\"request\":{\"method\":\"") + method + "\",\"url\":\"" + url + "\"}";
    if (!resourceJson.isEmpty())
        json += ",\"resource\":" + resourceJson;
    return json + "}";
}

QString fill(const char *text)
{
    return QString::fromUtf8(text)
        .replace(QLatin1String("LAB"), QString::fromUtf8(lab))
        .replace(QLatin1String("VITAL"), QString::fromUtf8(vital));
}

} // namespace

class TestAuthzEngine : public QObject
{
    Q_OBJECT

private slots:
    void decide_data();
    void decide();
    void decisionJson();
    void reentrantAcrossThreads();
    void commandLine_data();
    void commandLine();
    void commandLineWithBody();
};

void TestAuthzEngine::decide_data()
{
    QTest::addColumn<QString>("scopes");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("ifNoneExist");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("constraints");

    struct Row
    {
        const char *scopes;
        const char *context;
        const char *method;
        const char *url;
        bool allowed;
        const char *code;
        const char *constraints = "";
        QByteArray body = {};
        const char *ifNoneExist = "";
    };
    const auto add = [](const char *name, const Row &row) {
        QTest::newRow(name) << fill(row.scopes) << QString::fromUtf8(row.context)
                            << QString::fromUtf8(row.method) << fill(row.url) << row.body
                            << QString::fromUtf8(row.ifNoneExist) << row.allowed
                            << QString::fromUtf8(row.code) << fill(row.constraints);
    };
    const bool allow = true;
    const bool deny = false;
    const char *const granted = "scope.granted";
    const char *const missing = "scope.missing";
    const char *const outside = "compartment.outside";
    const char *const unnarrowable = "compartment.unnarrowable";
    const char *const escape = "compartment.chain_escape";
    const char *const p123 = "p=123";

    // --- patient/*.rs: reads, searches, the compartment ---------------------
    add("a patient/*.rs token can read an Observation, checked against the patient's compartment",
        {"patient/*.rs", p123, "GET", "Observation/1", allow, granted,
         "checkResponse Observation patients=123"});
    add("a patient/*.rs token can read its own Patient resource",
        {"patient/*.rs", p123, "GET", "Patient/123", allow, granted});
    add("a patient/*.rs token cannot read another patient's Patient resource",
        {"patient/*.rs", p123, "GET", "Patient/456", deny, outside});
    add("a patient/*.rs token's Observation search is narrowed to the patient",
        {"patient/*.rs", p123, "GET", "Observation?code=1234", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a patient/*.rs token's Patient search is narrowed by _id",
        {"patient/*.rs", p123, "GET", "Patient?name=Smith", allow, granted,
         "narrowSearch Patient _id=123"});
    add("a patient/*.rs token's Group search is narrowed by member",
        {"patient/*.rs", p123, "GET", "Group", allow, granted,
         "narrowSearch Group member=Patient/123"});
    add("a patient/*.rs token's SupplyRequest search is narrowed by subject",
        {"patient/*.rs", p123, "GET", "SupplyRequest", allow, granted,
         "narrowSearch SupplyRequest subject=Patient/123"});
    add("a patient/*.rs token can search its own compartment path without more narrowing",
        {"patient/*.rs", p123, "GET", "Patient/123/Observation?code=1", allow, granted});
    add("a patient/Observation.rs token cannot search another patient's compartment path",
        {"patient/Observation.rs", p123, "GET", "Patient/456/Observation", deny, outside});
    add("a patient/*.rs token can search every type in its own compartment",
        {"patient/*.rs", p123, "GET", "Patient/123/*", allow, granted});
    add("a patient/*.rs token cannot search every type in another patient's compartment",
        {"patient/*.rs", p123, "GET", "Patient/456/*", deny, outside});
    add("a patient/Observation.rs token cannot search every type even in its own compartment",
        {"patient/Observation.rs", p123, "GET", "Patient/123/*", deny, missing});
    add("a patient/*.rs token cannot create",
        {"patient/*.rs", p123, "POST", "Observation", deny, missing, "", resource("Observation")});
    add("a patient/*.rs token cannot update",
        {"patient/*.rs", p123, "PUT", "Observation/1", deny, missing, "",
         resource("Observation", "1")});
    add("a patient/*.rs token cannot delete",
        {"patient/*.rs", p123, "DELETE", "Observation/1", deny, missing});
    add("a patient/*.rs token reads a Practitioner without compartment checks",
        {"patient/*.rs", p123, "GET", "Practitioner/9", allow, granted});
    add("a patient/*.rs token searches Medication without narrowing",
        {"patient/*.rs", p123, "GET", "Medication?code=x", allow, granted});
    add("a patient/*.rs token can vread an Observation, checked on the response",
        {"patient/*.rs", p123, "GET", "Observation/1/_history/2", allow, granted,
         "checkResponse Observation patients=123"});
    add("a patient/*.rs token's instance history is checked on the response",
        {"patient/*.rs", p123, "GET", "Observation/1/_history", allow, granted,
         "checkResponse Observation patients=123"});
    add("a patient/*.rs token cannot read type history, which cannot be narrowed",
        {"patient/*.rs", p123, "GET", "Observation/_history", deny, unnarrowable});
    add("a patient/*.rs token cannot read system history",
        {"patient/*.rs", p123, "GET", "_history", deny, unnarrowable});
    add("a patient/*.rs token can read Practitioner type history, which is not patient data",
        {"patient/*.rs", p123, "GET", "Practitioner/_history", allow, granted});
    add("a patient/*.rs token cannot search every type without _type",
        {"patient/*.rs", p123, "GET", "?name=x", deny, unnarrowable});
    add("a patient/*.rs token's system search with _type is narrowed per type",
        {"patient/*.rs", p123, "GET", "?_type=Observation,Condition", allow, granted,
         "narrowSearch Observation patient=Patient/123; narrowSearch Condition "
         "patient=Patient/123"});
    add("a patient/*.rs token's POST _search is narrowed like a GET",
        {"patient/*.rs", p123, "POST", "Observation/_search", allow, granted,
         "narrowSearch Observation patient=Patient/123", "code=1234"});
    add("HEAD is decided like GET",
        {"patient/*.rs", p123, "HEAD", "Observation/1", allow, granted,
         "checkResponse Observation patients=123"});
    add("a search naming another patient is still narrowed to the patient in context",
        {"patient/*.rs", p123, "GET", "Observation?patient=Patient/456", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("repeated patient parameters cannot widen the narrowing",
        {"patient/*.rs", p123, "GET", "Observation?patient=456&patient=123", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a missing patient parameter cannot widen the narrowing",
        {"patient/*.rs", p123, "GET", "Observation?patient:missing=true", allow, granted,
         "narrowSearch Observation patient=Patient/123"});

    // --- no scope needed, no scope at all, missing context ------------------
    add("the capability statement needs no scope",
        {"", "", "GET", "metadata", allow, "scope.not_required"});
    add("the SMART configuration needs no scope",
        {"", "", "GET", ".well-known/smart-configuration", allow, "scope.not_required"});
    add("a token with no scopes cannot read an Observation",
        {"", p123, "GET", "Observation/1", deny, missing});
    add("a patient/ scope in a token without patient context grants nothing",
        {"patient/*.rs", "", "GET", "Observation/1", deny, "scope.no_patient_context"});
    add("a patient/ scope with an invalid patient id in context grants nothing",
        {"patient/*.rs", "p=../1", "GET", "Observation/1", deny, "scope.no_patient_context"});
    add("a system/ scope still grants when a patient/ scope lacks context",
        {"patient/*.rs system/Observation.rs", "", "GET", "Observation/1", allow, granted});
    add("a launch and identity only token reads nothing",
        {"launch launch/patient openid fhirUser profile offline_access online_access", p123, "GET",
         "Observation/1", deny, missing});
    add("an unknown scope that looks like a v1 scope grants nothing",
        {"patient/Observation.READ", p123, "GET", "Observation/1", deny, missing});
    add("a lower-case type in a scope grants nothing",
        {"patient/observation.rs", p123, "GET", "Observation/1", deny, missing});
    add("an out-of-order v2 scope grants nothing",
        {"patient/Observation.sr", p123, "GET", "Observation/1", deny, missing});

    // --- SMART v1 ----------------------------------------------------------
    add("a v1 patient/Observation.read token can read an Observation",
        {"patient/Observation.read", p123, "GET", "Observation/1", allow, granted,
         "checkResponse Observation patients=123"});
    add("a v1 patient/Observation.read token can search Observations",
        {"patient/Observation.read", p123, "GET", "Observation", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a v1 patient/Observation.read token cannot create an Observation",
        {"patient/Observation.read", p123, "POST", "Observation", deny, missing, "",
         resource("Observation")});
    add("a v1 patient/Observation.write token creates an Observation checked to be the patient's",
        {"patient/Observation.write", p123, "POST", "Observation", allow, granted,
         "checkBody Observation patients=123", resource("Observation")});
    add("a v1 patient/Observation.write token cannot read an Observation",
        {"patient/Observation.write", p123, "GET", "Observation/1", deny, missing});
    add("a v1 patient/Observation.write token updates after checking the stored and new versions",
        {"patient/Observation.write", p123, "PUT", "Observation/1", allow, granted,
         "checkExisting Observation/1 patients=123; checkBody Observation patients=123",
         resource("Observation", "1")});
    add("a v1 patient/Observation.write token deletes after checking the stored version",
        {"patient/Observation.write", p123, "DELETE", "Observation/1", allow, granted,
         "checkExisting Observation/1 patients=123"});
    add("a v1 patient/*.* token can patch its own Patient",
        {"patient/*.*", p123, "PATCH", "Patient/123", allow, granted, "", "[]"});
    add("a v1 patient/*.* token cannot patch another Patient",
        {"patient/*.*", p123, "PATCH", "Patient/456", deny, outside, "", "[]"});
    add("a v1 patient/*.* token cannot patch an Observation that could leave the compartment",
        {"patient/*.*", p123, "PATCH", "Observation/1", deny, "compartment.patch_unverifiable", "",
         "[]"});
    add("v1 read and v2 create in one token allow a read",
        {"patient/Observation.read patient/Observation.c", p123, "GET", "Observation/1", allow,
         granted, "checkResponse Observation patients=123"});
    add("v1 read and v2 create in one token allow a create",
        {"patient/Observation.read patient/Observation.c", p123, "POST", "Observation", allow,
         granted, "checkBody Observation patients=123", resource("Observation")});
    add("v1 read and v2 create in one token still refuse a delete",
        {"patient/Observation.read patient/Observation.c", p123, "DELETE", "Observation/1", deny,
         missing});
    add("a v1 user/*.write token cannot read",
        {"user/*.write", "u=Patient/55", "GET", "Observation/1", deny, missing});
    add("a v1 system/*.* token deletes without constraints",
        {"system/*.*", "", "DELETE", "Observation/1", allow, granted});
    add("a v1 system/*.read token searches across every type without constraints",
        {"system/*.read", "", "GET", "?name=x", allow, granted});
    add("a v1 system/*.read token cannot write",
        {"system/*.read", "", "PUT", "Observation/1", deny, missing, "",
         resource("Observation", "1")});

    // --- SMART v2 letters ----------------------------------------------------
    add("patient/Observation.r can read an Observation",
        {"patient/Observation.r", p123, "GET", "Observation/1", allow, granted,
         "checkResponse Observation patients=123"});
    add("patient/Observation.r cannot search Observations",
        {"patient/Observation.r", p123, "GET", "Observation?code=1", deny, missing});
    add("patient/Observation.s can search Observations",
        {"patient/Observation.s", p123, "GET", "Observation?code=1", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("patient/Observation.s cannot read an Observation by id",
        {"patient/Observation.s", p123, "GET", "Observation/1", deny, missing});
    add("patient/Observation.c cannot update",
        {"patient/Observation.c", p123, "PUT", "Observation/1", deny, missing, "",
         resource("Observation", "1")});
    add("patient/Observation.u can update",
        {"patient/Observation.u", p123, "PUT", "Observation/1", allow, granted,
         "checkExisting Observation/1 patients=123; checkBody Observation patients=123",
         resource("Observation", "1")});
    add("patient/Observation.d can delete after checking the stored version",
        {"patient/Observation.d", p123, "DELETE", "Observation/1", allow, granted,
         "checkExisting Observation/1 patients=123"});
    add("patient/Observation.cruds cannot patch an Observation under a patient grant",
        {"patient/Observation.cruds", p123, "PATCH", "Observation/1", deny,
         "compartment.patch_unverifiable", "", "[]"});
    add("a scope for Condition does not grant Observation",
        {"patient/Condition.rs", p123, "GET", "Observation/1", deny, missing});
    add("a v2 patient/*.r token reads any compartment type with a response check",
        {"patient/*.r", p123, "GET", "Condition/1", allow, granted,
         "checkResponse Condition patients=123"});
    add("a v2 patient/*.r token cannot search",
        {"patient/*.r", p123, "GET", "Condition", deny, missing});

    // --- user/ scopes ----------------------------------------------------------
    add("user/*.rs with a Patient fhirUser narrows a search to that patient",
        {"user/*.rs", "u=Patient/55", "GET", "Observation?code=1", allow, granted,
         "narrowSearch Observation patient=Patient/55"});
    add("user/*.rs with a Patient fhirUser cannot read another Patient",
        {"user/*.rs", "u=Patient/55", "GET", "Patient/56", deny, outside});
    add("user/*.rs with a Patient fhirUser can read its own Patient",
        {"user/*.rs", "u=Patient/55", "GET", "Patient/55", allow, granted});
    add("user/*.rs with a full fhirUser URL is understood",
        {"user/*.rs", "u=https://ehr.example/fhir/Patient/55", "GET", "Patient/55", allow,
         granted});
    add("user/*.rs with a Practitioner and assigned patients narrows to them",
        {"user/*.rs", "u=Practitioner/9 a=1,2", "GET", "Observation?code=1", allow, granted,
         "narrowSearch Observation patient=Patient/1,Patient/2"});
    add("a Practitioner can read an assigned patient",
        {"user/*.rs", "u=Practitioner/9 a=1,2", "GET", "Patient/2", allow, granted});
    add("a Practitioner cannot read a patient not assigned to them",
        {"user/*.rs", "u=Practitioner/9 a=1,2", "GET", "Patient/3", deny, outside});
    add("a Practitioner can search an assigned patient's compartment",
        {"user/*.rs", "u=Practitioner/9 a=1,2", "GET", "Patient/1/Condition", allow, granted});
    add("a Practitioner cannot search an unassigned patient's compartment",
        {"user/*.rs", "u=Practitioner/9 a=1,2", "GET", "Patient/3/Condition", deny, outside});
    add("a Practitioner's Observation read is checked against the assigned patients",
        {"user/*.rs", "u=Practitioner/9 a=1,2", "GET", "Observation/7", allow, granted,
         "checkResponse Observation patients=1,2"});
    add("a Practitioner with no assigned patients sees no patient data",
        {"user/*.rs", "u=Practitioner/9 a=", "GET", "Observation?code=1", deny, outside});
    add("a Practitioner with no assigned patients still reads Practitioner resources",
        {"user/*.rs", "u=Practitioner/9 a=", "GET", "Practitioner/10", allow, granted});
    add("a Practitioner with unknown assignments defers a search to role filtering",
        {"user/*.rs", "u=Practitioner/9", "GET", "Observation?code=1", allow, granted,
         "narrowSearch Observation patient role=Practitioner/9"});
    add("a Practitioner with unknown assignments defers a read to role filtering",
        {"user/*.rs", "u=Practitioner/9", "GET", "Observation/1", allow, granted,
         "checkResponse Observation role=Practitioner/9"});
    add("a RelatedPerson user defers to role filtering",
        {"user/*.rs", "u=RelatedPerson/r1", "GET", "Condition/1", allow, granted,
         "checkResponse Condition role=RelatedPerson/r1"});
    add("user/ scopes without a fhirUser grant nothing",
        {"user/*.rs", "", "GET", "Observation/1", deny, "scope.no_user_context"});
    add("user/ scopes with a fhirUser lacking an id grant nothing",
        {"user/*.rs", "u=Practitioner", "GET", "Observation/1", deny, "scope.no_user_context"});
    add("user/ scopes with an Organization fhirUser grant nothing",
        {"user/*.rs", "u=Organization/1", "GET", "Observation/1", deny, "scope.no_user_context"});
    add("user/ scopes with a fhirUser id holding a slash trick grant nothing",
        {"user/*.rs", "u=Patient/../55", "GET", "Patient/55", deny, "scope.no_user_context"});
    add("a Practitioner system search with _type defers each type to role filtering",
        {"user/*.rs", "u=Practitioner/9", "GET", "?_type=Observation", allow, granted,
         "narrowSearch Observation patient role=Practitioner/9"});
    add("a Practitioner with user/Patient.c creates a Patient subject to role checks",
        {"user/Patient.c", "u=Practitioner/9", "POST", "Patient", allow, granted,
         "checkBody Patient role=Practitioner/9", resource("Patient")});

    // --- system/ scopes and the choice between grants -------------------------
    add("system/Observation.rs searches Observations without narrowing",
        {"system/Observation.rs", "", "GET", "Observation?code=1", allow, granted});
    add("system/Observation.rs does not grant Condition",
        {"system/Observation.rs", "", "GET", "Condition/1", deny, missing});
    add("a system/ grant beside a patient/ grant is used, so nothing is narrowed",
        {"patient/*.rs system/Observation.rs", p123, "GET", "Observation?code=1", allow, granted});
    add("a system/ write scope creates without constraints",
        {"system/Observation.c", "", "POST", "Observation", allow, granted, "",
         resource("Observation")});
    add("a system/*.cruds token patches any resource",
        {"system/*.cruds", "", "PATCH", "Observation/1", allow, granted, "", "[]"});

    // --- granular scopes ----------------------------------------------------
    add("a granular lab scope adds its category to a search",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Observation?code=1", allow, granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation category=LAB"});
    add("a granular lab scope search that already asks for lab adds nothing more",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Observation?category=LAB", allow,
         granted, "narrowSearch Observation patient=Patient/123"});
    add("a granular lab scope search asking for the code without its system is not proven",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Observation?category=laboratory",
         allow, granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation category=LAB"});
    add("a granular scope without a system accepts the code in any system",
        {"patient/Observation.rs?category=laboratory", p123, "GET", "Observation?category=LAB",
         allow, granted, "narrowSearch Observation patient=Patient/123"});
    add("a granular lab scope search asking for lab or vital signs is not proven",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Observation?category=LAB,VITAL",
         allow, granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation category=LAB"});
    add("a granular lab scope search with a modifier on category is not proven",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Observation?category:not=LAB", allow,
         granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation category=LAB"});
    add("a granular lab scope read is checked on the response",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Observation/1", allow, granted,
         "checkResponse Observation patients=123; checkResponse Observation anyOf=category=LAB"});
    add("two granular scopes on the same parameter merge into one added parameter",
        {"patient/Observation.rs?category=LAB patient/Observation.rs?category=VITAL", p123, "GET",
         "Observation?code=1", allow, granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation "
         "category=LAB,VITAL"});
    add("a search within either of two granular scopes is proven",
        {"patient/Observation.rs?category=LAB patient/Observation.rs?category=VITAL", p123, "GET",
         "Observation?category=VITAL", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("granular scopes on different parameters are checked on the response",
        {"patient/Observation.rs?category=LAB patient/Observation.rs?code=http://loinc.org|1234-5",
         p123, "GET", "Observation?date=gt2020", allow, granted,
         "narrowSearch Observation patient=Patient/123; checkResponse Observation "
         "anyOf=category=LAB | code=http://loinc.org|1234-5"});
    add("an unrestricted scope beside a granular one wins",
        {"patient/Observation.rs?category=LAB patient/Observation.rs", p123, "GET",
         "Observation?code=1", allow, granted, "narrowSearch Observation patient=Patient/123"});
    add("a granular Observation scope does not grant Condition",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Condition?code=1", deny, missing});
    add("a granular scope with two parameters adds both when the search has neither",
        {"patient/Observation.rs?category=laboratory&code=1234", p123, "GET", "Observation", allow,
         granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation "
         "category=laboratory code=1234"});
    add("a granular scope with two parameters is not proven by one of them",
        {"patient/Observation.rs?category=laboratory&code=1234", p123, "GET",
         "Observation?category=laboratory", allow, granted,
         "narrowSearch Observation patient=Patient/123; addParameters Observation "
         "category=laboratory code=1234"});
    add("a granular scope with two parameters is proven when the search has both",
        {"patient/Observation.rs?category=laboratory&code=1234", p123, "GET",
         "Observation?category=laboratory&code=1234", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a user granular problem-list scope narrows and filters a Condition search",
        {"user/Condition.rs?category=problem-list-item", "u=Patient/55", "GET", "Condition", allow,
         granted,
         "narrowSearch Condition patient=Patient/55; addParameters Condition "
         "category=problem-list-item"});
    add("a system granular scope adds parameters without narrowing",
        {"system/Observation.rs?category=LAB", "", "GET", "Observation?code=1", allow, granted,
         "addParameters Observation category=LAB"});
    add("a granular create scope checks the body's compartment and category",
        {"patient/Observation.c?category=LAB", p123, "POST", "Observation", allow, granted,
         "checkBody Observation patients=123; checkBody Observation anyOf=category=LAB",
         resource("Observation")});
    add("a granular update scope checks the stored and the new version",
        {"system/Observation.u?category=LAB", "", "PUT", "Observation/1", allow, granted,
         "checkExisting Observation/1 anyOf=category=LAB; checkBody Observation "
         "anyOf=category=LAB",
         resource("Observation", "1")});
    add("a granular delete scope checks the stored version",
        {"system/Observation.d?category=LAB", "", "DELETE", "Observation/1", allow, granted,
         "checkExisting Observation/1 anyOf=category=LAB"});
    add("a granular scope cannot grant a patch",
        {"system/Observation.u?category=LAB", "", "PATCH", "Observation/1", deny,
         "compartment.patch_unverifiable", "", "[]"});
    add("a granular scope cannot grant type history",
        {"system/Observation.rs?category=LAB", "", "GET", "Observation/_history", deny,
         "scope.granular_unprovable"});
    add("a _has into a type granted only by a granular scope is refused",
        {"system/Patient.rs system/Observation.rs?category=LAB", "", "GET",
         "Patient?_has:Observation:patient:code=1", deny, "scope.granular_unprovable"});
    add("a chain into a type granted only by a granular scope is refused",
        {"system/Encounter.rs system/Observation.rs?category=LAB", "", "GET",
         "Encounter?_has:Observation:encounter:code=1", deny, "scope.granular_unprovable"});
    add("a revinclude of a type granted only by a granular scope is checked on the response",
        {"system/Encounter.rs system/Observation.rs?category=LAB", "", "GET",
         "Encounter?_revinclude=Observation:encounter", allow, granted,
         "checkResponse Observation anyOf=category=LAB"});
    add("a granular scope on a compartment path adds its parameters",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Patient/123/Observation", allow,
         granted, "addParameters Observation category=LAB"});
    add("a granular scope cannot open another patient's compartment path",
        {"patient/Observation.rs?category=LAB", p123, "GET", "Patient/456/Observation?category=LAB",
         deny, outside});
    add("a granular scope proven through a POST _search form body adds nothing more",
        {"patient/Observation.rs?category=laboratory", p123, "POST", "Observation/_search", allow,
         granted, "narrowSearch Observation patient=Patient/123", "category=laboratory"});

    // --- includes, chains, _has, _type: reaching outside the grant ----------
    add("an Observation search including its untyped subject needs a wildcard read",
        {"patient/Observation.rs", p123, "GET", "Observation?_include=Observation:subject", deny,
         missing});
    add("an Observation search including the patient needs Patient read",
        {"patient/Observation.rs patient/Patient.rs", p123, "GET",
         "Observation?_include=Observation:patient", allow, granted,
         "checkResponse Patient patients=123; narrowSearch Observation patient=Patient/123"});
    add("an Observation search including the patient without Patient read is refused",
        {"patient/Observation.rs", p123, "GET", "Observation?_include=Observation:patient", deny,
         missing});
    add("_include=* under patient/*.rs checks every returned resource",
        {"patient/*.rs", p123, "GET", "Observation?_include=*", allow, granted,
         "checkResponse * patients=123; narrowSearch Observation patient=Patient/123"});
    add("_include=* under patient/Observation.rs is refused",
        {"patient/Observation.rs", p123, "GET", "Observation?_include=*", deny, missing});
    add("_include:iterate=*:* under patient/Observation.rs is refused",
        {"patient/Observation.rs", p123, "GET", "Observation?_include:iterate=*:*", deny, missing});
    add("a percent-encoded _include is still counted",
        {"patient/Observation.rs", p123, "GET", "Observation?%5Finclude=*", deny, missing});
    add("an upper-case _INCLUDE is refused rather than ignored",
        {"patient/*.rs", p123, "GET", "Observation?_INCLUDE=*", deny, "request.parameter"});
    add("a revinclude of Provenance needs Provenance read and search",
        {"patient/Patient.rs", p123, "GET", "Patient?_revinclude=Provenance:target", deny,
         missing});
    add("a revinclude under patient/*.rs is checked on the response",
        {"patient/*.rs", p123, "GET", "Patient?_revinclude=Provenance:target", allow, granted,
         "checkResponse Provenance patients=123; narrowSearch Patient _id=123"});
    add("a revinclude of Observations from a Practitioner search is checked on the response",
        {"patient/*.rs", p123, "GET", "Practitioner?_revinclude=Observation:performer", allow,
         granted, "checkResponse Observation patients=123"});
    add("including a Practitioner needs no compartment check",
        {"patient/Observation.rs patient/Practitioner.rs", p123, "GET",
         "Observation?_include=Observation:performer:Practitioner", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("including a Practitioner without a Practitioner scope is refused",
        {"patient/Observation.rs", p123, "GET",
         "Observation?_include=Observation:performer:Practitioner", deny, missing});
    add("a chain to Patient through subject stays on the patient in context",
        {"patient/Observation.rs patient/Patient.rs", p123, "GET",
         "Observation?subject:Patient.name=Smith", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a chain to Patient through patient stays on the patient in context",
        {"patient/Observation.rs patient/Patient.rs", p123, "GET", "Observation?patient.name=Smith",
         allow, granted, "narrowSearch Observation patient=Patient/123"});
    add("a chain to Patient without Patient search is refused",
        {"patient/Observation.rs", p123, "GET", "Observation?subject:Patient.name=Smith", deny,
         missing});
    add("a chain through focus to a Patient could reach another patient",
        {"patient/*.rs", p123, "GET", "Observation?focus:Patient.name=Smith", deny, escape});
    add("an untyped chain under a patient grant could reach another patient",
        {"patient/*.rs", p123, "GET", "Observation?subject.name=Smith", deny, escape});
    add("an untyped chain under a system wildcard grant is allowed",
        {"system/*.rs", "", "GET", "Observation?subject.name=Smith", allow, granted});
    add("a chain to Practitioner is allowed with Practitioner search",
        {"patient/Observation.rs patient/Practitioner.rs", p123, "GET",
         "Observation?performer:Practitioner.name=Who", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a chain to Organization without an Organization scope is refused",
        {"patient/Observation.rs", p123, "GET", "Observation?performer:Organization.name=x", deny,
         missing});
    add("a two-level chain through a Patient's other links could escape",
        {"patient/*.rs", p123, "GET", "Observation?subject:Patient.link:Patient.name=x", deny,
         escape});
    add("_has from Patient through a compartment parameter stays in the compartment",
        {"patient/*.rs", p123, "GET", "Patient?_has:Observation:patient:code=1234", allow, granted,
         "narrowSearch Patient _id=123"});
    add("_has from Practitioner into Observations could reveal other patients",
        {"patient/*.rs", p123, "GET", "Practitioner?_has:Observation:performer:subject=Patient/999",
         deny, escape});
    add("_has from Patient through a non-compartment parameter could escape",
        {"patient/*.rs", p123, "GET", "Patient?_has:Observation:focus:code=1", deny, escape});
    add("_has into Observation without Observation search is refused",
        {"patient/Patient.rs", p123, "GET", "Patient?_has:Observation:patient:code=1", deny,
         missing});
    add("_has under system/*.rs is allowed",
        {"system/*.rs", "", "GET", "Practitioner?_has:Observation:performer:code=1", allow,
         granted});
    add("nested _has under a patient grant is refused",
        {"patient/*.rs", p123, "GET",
         "Patient?_has:Observation:patient:_has:AuditEvent:entity:agent=x", deny, escape});
    add("_list under a patient grant is refused",
        {"patient/*.rs", p123, "GET", "Observation?_list=42", deny, escape});
    add("_list under a system grant is allowed",
        {"system/*.rs", "", "GET", "Observation?_list=42", allow, granted});
    add("_contained=true under a patient grant is refused",
        {"patient/*.rs", p123, "GET", "Observation?_contained=true", deny, unnarrowable});
    add("_contained=true under system/Observation.rs needs every type",
        {"system/Observation.rs", "", "GET", "Observation?_contained=true", deny, missing});
    add("_contained=both under system/*.rs is allowed",
        {"system/*.rs", "", "GET", "Observation?_contained=both", allow, granted});
    add("_type reaching Condition without a Condition scope is refused",
        {"patient/Observation.rs", p123, "GET", "?_type=Observation,Condition", deny, missing});
    add("_type on a type search is refused",
        {"patient/*.rs", p123, "GET", "Observation?_type=Patient", deny, "request.parameter"});
    add("_elements and _summary do not change the decision",
        {"patient/Observation.rs", p123, "GET", "Observation?_elements=code&_summary=true", allow,
         granted, "narrowSearch Observation patient=Patient/123"});

    // --- paths and encodings that try to escape -------------------------------
    add("an encoded slash in the path is refused",
        {"patient/*.rs", p123, "GET", "Observation%2F123", deny, "request.path"});
    add("a lower-case type cannot be read even under a wildcard",
        {"patient/*.rs", p123, "GET", "observation/123", deny, "request.type"});
    add("a dot-dot path cannot move to another patient",
        {"patient/*.rs", p123, "GET", "Patient/123/../456", deny, "request.path"});
    add("a double slash is refused",
        {"patient/*.rs", p123, "GET", "Patient//123", deny, "request.path"});
    add("a semicolon in the query is refused",
        {"patient/*.rs", p123, "GET", "Observation?code=1;_include=*", deny, "request.encoding"});
    add("a semicolon path parameter is refused",
        {"system/*.*", "", "GET", "Patient;jsessionid=1/123", deny, "request.path"});
    add("an encoded ampersand cannot smuggle an include",
        {"patient/Observation.rs", p123, "GET", "Observation?code=1%26_include%3D*", allow, granted,
         "narrowSearch Observation patient=Patient/123"});
    add("a paging continuation is refused",
        {"system/*.*", "", "GET", "?_getpages=abc", deny, "request.paging"});
    add("an unknown special parameter is refused even under system/*.*",
        {"system/*.*", "", "GET", "Observation?_filter=code eq 1", deny, "request.parameter"});
    add("a parameter name in another case is not the include it imitates",
        {"patient/*.rs", p123, "GET", "Observation?_Include=*", deny, "request.parameter"});
    add("an unknown HTTP method is refused",
        {"system/*.*", "", "OPTIONS", "Observation", deny, "request.method"});
    add("a compartment path with a lower-case type is refused",
        {"patient/*.rs", p123, "GET", "Patient/123/observation", deny, "request.type"});
    add("an encoded dollar cannot hide an operation",
        {"patient/*.rs", p123, "GET", "Patient/123/%24everything", deny, "request.path"});

    // --- writes under patient/ grants ----------------------------------------
    add("a patient/Patient.c token cannot create a new Patient",
        {"patient/Patient.c", p123, "POST", "Patient", deny, "compartment.create_patient", "",
         resource("Patient")});
    add("a patient/Patient.u token can update its own Patient",
        {"patient/Patient.u", p123, "PUT", "Patient/123", allow, granted, "",
         resource("Patient", "123")});
    add("a patient/Patient.u token cannot update another Patient",
        {"patient/Patient.u", p123, "PUT", "Patient/456", deny, outside, "",
         resource("Patient", "456")});
    add("a patient/Patient.d token cannot delete another Patient",
        {"patient/Patient.d", p123, "DELETE", "Patient/456", deny, outside});
    add("a conditional update under a patient grant narrows the criteria and checks the body",
        {"patient/Observation.us", p123, "PUT", "Observation?identifier=http://x|1", allow, granted,
         "narrowSearch Observation patient=Patient/123; checkBody Observation patients=123",
         resource("Observation")});
    add("a conditional update without search permission is refused",
        {"patient/Observation.u", p123, "PUT", "Observation?identifier=http://x|1", deny, missing,
         "", resource("Observation")});
    add("a conditional delete under a patient grant narrows the criteria",
        {"patient/Observation.ds", p123, "DELETE", "Observation?identifier=http://x|1", allow,
         granted, "narrowSearch Observation patient=Patient/123"});
    add("a conditional create under a patient grant narrows the criteria and checks the body",
        {"patient/Observation.cs", p123, "POST", "Observation", allow, granted,
         "narrowSearch Observation patient=Patient/123; checkBody Observation patients=123",
         resource("Observation"), "identifier=http://x|1"});
    add("a conditional create without search permission is refused",
        {"patient/Observation.c", p123, "POST", "Observation", deny, missing, "",
         resource("Observation"), "identifier=http://x|1"});
    add("a conditional patch under a patient grant is refused",
        {"patient/Observation.us", p123, "PATCH", "Observation?identifier=x", deny,
         "compartment.patch_unverifiable", "", "[]"});
    add("an update whose body names another id is refused",
        {"system/*.*", "", "PUT", "Observation/1", deny, "request.body_id", "",
         resource("Observation", "2")});
    add("a create whose body is another type than the path is refused",
        {"patient/Observation.c", p123, "POST", "Observation", deny, "request.body_type", "",
         resource("Patient")});
    add("a create with an XML body is refused because it cannot be checked",
        {"patient/Observation.c", p123, "POST", "Observation", deny, "request.content_type", "",
         "<Observation xmlns=\"http://hl7.org/fhir\"/>"});

    // --- operations ----------------------------------------------------------
    add("patient $everything for the patient in context is checked on the response",
        {"patient/*.rs", p123, "GET", "Patient/123/$everything", allow, granted,
         "checkResponse * patients=123"});
    add("patient $everything for another patient is refused",
        {"patient/*.rs", p123, "GET", "Patient/456/$everything", deny, outside});
    add("patient $everything needs a wildcard read",
        {"patient/Observation.rs patient/Patient.rs", p123, "GET", "Patient/123/$everything", deny,
         missing});
    add("type-level Patient $everything under a patient grant is refused",
        {"patient/*.rs", p123, "GET", "Patient/$everything", deny, unnarrowable});
    add("$everything under system/*.rs is allowed",
        {"system/*.rs", "", "GET", "Patient/$everything", allow, granted});
    add("Encounter $everything under a patient grant is checked on the response",
        {"patient/*.rs", p123, "GET", "Encounter/e1/$everything", allow, granted,
         "checkResponse * patients=123"});
    add("a Practitioner's $everything on an assigned patient is checked on the response",
        {"user/*.rs", "u=Practitioner/9 a=1", "GET", "Patient/1/$everything", allow, granted,
         "checkResponse * patients=1"});
    add("system $export under patient/*.rs needs system scopes",
        {"patient/*.rs", p123, "GET", "$export", deny, "bulk.system_only"});
    add("system $export with system/*.rs is allowed",
        {"system/*.rs", "", "GET", "$export", allow, granted});
    add("system $export with user/*.rs is refused",
        {"user/*.rs", "u=Practitioner/9", "GET", "$export", deny, "bulk.system_only"});
    add("group $export with system/*.read is allowed",
        {"system/*.read", "", "GET", "Group/g1/$export", allow, granted});
    add("patient-level $export with _type needs only those types",
        {"system/Patient.rs system/Observation.rs", "", "GET",
         "Patient/$export?_type=Patient,Observation", allow, granted});
    add("$export with _type beyond the grant is refused",
        {"system/Patient.rs", "", "GET", "$export?_type=Patient,Observation", deny, missing});
    add("$export without _type needs a wildcard grant",
        {"system/Patient.rs system/Observation.rs", "", "GET", "$export", deny, missing});
    add("GraphQL with system/*.rs is allowed",
        {"system/*.rs", "", "GET", "$graphql?query={PatientList{id}}", allow, granted});
    add("GraphQL under patient/*.rs is refused",
        {"patient/*.rs", p123, "GET", "Patient/123/$graphql?query={id}", deny,
         "graphql.system_wildcard_only"});
    add("GraphQL under user/*.rs is refused",
        {"user/*.rs", "u=Practitioner/9", "GET", "$graphql?query={id}", deny,
         "graphql.system_wildcard_only"});
    add("GraphQL under system/Patient.rs is refused",
        {"system/Patient.rs", "", "GET", "$graphql?query={id}", deny,
         "graphql.system_wildcard_only"});
    add("$lastn under a patient grant is narrowed like a search",
        {"patient/Observation.rs", p123, "GET", "Observation/$lastn?code=1234&max=3", allow,
         granted, "narrowSearch Observation patient=Patient/123"});
    add("$lastn with a chain escaping the compartment is refused",
        {"patient/*.rs", p123, "GET", "Observation/$lastn?focus:Patient.name=x", deny, escape});
    add("ValueSet $expand with a ValueSet read needs no constraint",
        {"user/ValueSet.r", "u=Practitioner/9", "GET", "ValueSet/$expand?url=http://x", allow,
         granted});
    add("ValueSet $expand without a ValueSet scope is refused",
        {"patient/Observation.rs", p123, "GET", "ValueSet/$expand?url=http://x", deny, missing});
    add("an unknown operation is refused whatever the scopes",
        {"system/*.*", "", "GET", "Patient/1/$purge", deny, "request.operation"});
    add("$match under a patient grant is refused",
        {"patient/*.rs", p123, "POST", "Patient/$match", deny, unnarrowable, "",
         resource("Parameters")});
    add("$match under system scopes is allowed",
        {"system/Patient.rs", "", "POST", "Patient/$match", allow, granted, "",
         resource("Parameters")});
    add("instance $meta under a patient grant is checked on the response",
        {"patient/*.rs", p123, "GET", "Observation/1/$meta", allow, granted,
         "checkResponse Observation patients=123"});
    add("system $meta under a patient grant is refused",
        {"patient/*.rs", p123, "GET", "$meta", deny, unnarrowable});

    // --- batch and transaction bundles -------------------------------------------
    add("a batch of reads within the grant is allowed and each entry constrained",
        {"patient/*.rs", p123, "POST", "", allow, "bundle.entries_allowed",
         "[0] checkResponse Observation patients=123",
         bundle("batch", entry("GET", "Observation/1") + "," + entry("GET", "Patient/123"))});
    add("a batch with an entry reading another patient is refused and names the entry",
        {"patient/*.rs", p123, "POST", "", deny, "bundle.entry_denied",
         "[0] checkResponse Observation patients=123",
         bundle("batch", entry("GET", "Observation/1") + "," + entry("GET", "Patient/456"))});
    add("a transaction creating an Observation under a write grant checks the body",
        {"patient/Observation.c", p123, "POST", "", allow, "bundle.entries_allowed",
         "[0] checkBody Observation patients=123",
         bundle("transaction", entry("POST", "Observation", resource("Observation")))});
    add("a transaction deleting without a delete grant is refused",
        {"patient/Observation.c", p123, "POST", "", deny, "bundle.entry_denied",
         "[0] checkBody Observation patients=123",
         bundle("transaction",
                entry("POST", "Observation", resource("Observation")) + ","
                    + entry("DELETE", "Observation/2"))});
    add("a batch entry using _include=* to escape is refused",
        {"patient/Observation.rs", p123, "POST", "", deny, "bundle.entry_denied", "",
         bundle("batch", entry("GET", "Observation?_include=*"))});
    add("a batch entry with a dot-dot URL is refused",
        {"patient/*.rs", p123, "POST", "", deny, "request.bundle_entry", "",
         bundle("batch", entry("GET", "Patient/123/../456"))});
    add("a batch entry with an absolute URL is refused",
        {"system/*.*", "", "POST", "", deny, "request.bundle_entry", "",
         bundle("batch", entry("GET", "https://other.example/fhir/Patient/1"))});
    add("a batch entry searching another patient's compartment is refused",
        {"patient/*.rs", p123, "POST", "", deny, "bundle.entry_denied", "",
         bundle("batch", entry("GET", "Patient/456/Condition"))});
    add("an empty batch is allowed",
        {"patient/*.rs", p123, "POST", "", allow, "bundle.entries_allowed", "",
         bundle("batch", "")});
    add("a transaction under system/*.* is allowed entirely",
        {"system/*.*", "", "POST", "", allow, "bundle.entries_allowed", "",
         bundle("transaction",
                entry("PUT", "Patient/1", resource("Patient", "1")) + ","
                    + entry("DELETE", "Observation?identifier=x"))});
    add("a batch entry searching with a narrowing is narrowed inside the entry",
        {"patient/*.rs", p123, "POST", "", allow, "bundle.entries_allowed",
         "[0] narrowSearch Condition patient=Patient/123",
         bundle("batch", entry("GET", "Condition?clinical-status=active"))});
}

void TestAuthzEngine::decide()
{
    QFETCH(QString, scopes);
    QFETCH(QString, context);
    QFETCH(QString, method);
    QFETCH(QString, url);
    QFETCH(QByteArray, body);
    QFETCH(QString, ifNoneExist);
    QFETCH(bool, allowed);
    QFETCH(QString, code);
    QFETCH(QString, constraints);

    const qsizetype question = url.indexOf(u'?');
    const QString path = question >= 0 ? url.left(question) : url;
    const QString query = question >= 0 ? url.mid(question + 1) : QString();
    QString contentType;
    if (!body.isEmpty()) {
        if (path.endsWith(QLatin1String("_search")))
            contentType = QStringLiteral("application/x-www-form-urlencoded");
        else if (body.startsWith('<'))
            contentType = QStringLiteral("application/fhir+xml");
        else if (method == u"PATCH")
            contentType = QStringLiteral("application/json-patch+json");
        else
            contentType = QStringLiteral("application/fhir+json");
    }

    const ScopeSet grants = ScopeSet::parse(scopes);
    const Decision decision = Engine::explain(grants, method, path, query, contentType, body,
                                              parseContext(context), ifNoneExist);
    QVERIFY(!decision.reasons.isEmpty());
    const QString firstCode = decision.allowed
        ? decision.reasons.first().codeName()
        : (decision.refusal() ? decision.refusal()->codeName() : QString());
    const QString describe =
        QString::fromUtf8(QJsonDocument(decision.toJson()).toJson(QJsonDocument::Compact));
    QVERIFY2(decision.allowed == allowed, qPrintable(describe));
    QCOMPARE(firstCode, code);
    QCOMPARE(render(decision), constraints);
    if (!decision.allowed) {
        // A refused bundle keeps its allowed entries' constraints (a batch
        // may forward them); the refusal itself carries none.
        QVERIFY(decision.constraints.isEmpty());
        QVERIFY(decision.refusal());
        QVERIFY(!decision.refusal()->message().isEmpty());
    }
    for (const Reason &reason : decision.reasons)
        QVERIFY(!reason.message().isEmpty());
}

void TestAuthzEngine::decisionJson()
{
    const ScopeSet grants = ScopeSet::parse(u"patient/*.rs bogus");
    AuthzContext context;
    context.patientId = QStringLiteral("123");
    const Decision allowed = Engine::explain(grants, u"GET", u"Observation/1", {}, {}, {}, context);
    const QJsonObject json = allowed.toJson();
    QCOMPARE(json.value(QLatin1String("decision")).toString(), QStringLiteral("allow"));
    const QJsonObject reason = json.value(QLatin1String("reasons")).toArray().first().toObject();
    QCOMPARE(reason.value(QLatin1String("code")).toString(), QStringLiteral("scope.granted"));
    QCOMPARE(reason.value(QLatin1String("scope")).toString(), QStringLiteral("patient/*.rs"));
    const QJsonObject constraint =
        json.value(QLatin1String("constraints")).toArray().first().toObject();
    QCOMPARE(constraint.value(QLatin1String("kind")).toString(), QStringLiteral("checkResponse"));
    QCOMPARE(constraint.value(QLatin1String("patients")).toArray().first().toString(),
             QStringLiteral("Patient/123"));

    const Decision denied = Engine::explain(grants, u"GET", u"Patient/9", {}, {}, {}, context);
    const QJsonObject deniedJson = denied.toJson();
    QCOMPARE(deniedJson.value(QLatin1String("decision")).toString(), QStringLiteral("deny"));
    QVERIFY(deniedJson.value(QLatin1String("constraints")).toArray().isEmpty());
    bool mentionsUnknown = false;
    for (const QJsonValue &value : deniedJson.value(QLatin1String("reasons")).toArray())
        mentionsUnknown = mentionsUnknown
            || value.toObject().value(QLatin1String("code")).toString() == u"scope.unknown";
    QVERIFY2(mentionsUnknown, "a refusal reports the ignored scopes");
}

void TestAuthzEngine::reentrantAcrossThreads()
{
    const ScopeSet grants = ScopeSet::parse(u"patient/*.rs");
    AuthzContext context;
    context.patientId = QStringLiteral("123");
    std::atomic<int> wrong {0};
    QList<QThread *> threads;
    for (int t = 0; t < 4; ++t) {
        threads.append(QThread::create([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const bool own = (i + t) % 2 == 0;
                const Decision decision = Engine::explain(
                    grants, u"GET", own ? u"Patient/123" : u"Patient/456", {}, {}, {}, context);
                if (decision.allowed != own)
                    ++wrong;
            }
        }));
        threads.last()->start();
    }
    for (QThread *thread : threads) {
        thread->wait();
        delete thread;
    }
    QCOMPARE(wrong.load(), 0);
}

void TestAuthzEngine::commandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expectedOut");
    QTest::addColumn<QString>("expectedErr");

    const auto args = [](std::initializer_list<const char *> list) {
        QStringList result {QStringLiteral("authz")};
        for (const char *item : list)
            result.append(QString::fromUtf8(item));
        return result;
    };
    QTest::newRow("explain prints an allow decision and exits 0")
        << args({"explain", "--scope", "patient/*.rs", "--patient", "123", "GET", "Observation/1"})
        << 0 << QStringLiteral("\"decision\": \"allow\"") << QString();
    QTest::newRow("explain prints a deny decision with its reason and exits 1")
        << args({"explain", "--scope", "patient/*.rs", "--patient", "123", "GET", "Patient/456"})
        << 1 << QStringLiteral("compartment.outside") << QString();
    QTest::newRow("explain takes a Practitioner fhirUser and assigned patients")
        << args({"explain", "--scope", "user/*.rs", "--fhir-user", "Practitioner/9",
                 "--assigned-patients", "1,2", "GET", "Observation?code=1"})
        << 0 << QStringLiteral("Patient/1,Patient/2") << QString();
    QTest::newRow("explain strips --base from an absolute URL")
        << args({"explain", "--scope", "system/*.rs", "--base", "https://h.example/fhir", "GET",
                 "https://h.example/fhir/Observation/1"})
        << 0 << QStringLiteral("\"interaction\": \"read\"") << QString();
    QTest::newRow("explain refuses an absolute URL without --base as wrong usage")
        << args({"explain", "--scope", "system/*.rs", "GET", "https://h.example/fhir/Patient/1"})
        << 2 << QString() << QStringLiteral("--base");
    QTest::newRow("explain without METHOD and URL is wrong usage")
        << args({"explain", "--scope", "system/*.rs"}) << 2 << QString()
        << QStringLiteral("METHOD");
    QTest::newRow("explain without --scope is wrong usage")
        << args({"explain", "GET", "Patient/1"}) << 2 << QString() << QStringLiteral("--scope");
    QTest::newRow("an unknown authz subcommand is wrong usage")
        << args({"judge"}) << 2 << QString() << QStringLiteral("judge");
    QTest::newRow("explain with an unreadable body file is wrong usage")
        << args({"explain", "--scope", "system/*.*", "--body", "/nonexistent/body.json", "POST",
                 "Observation"})
        << 2 << QString() << QStringLiteral("/nonexistent/body.json");
    QTest::newRow("explain --help prints the usage")
        << args({"explain", "--help"}) << 0 << QStringLiteral("METHOD URL") << QString();
}

void TestAuthzEngine::commandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, expectedOut);
    QFETCH(QString, expectedErr);
    QString out;
    QString err;
    QTextStream outStream(&out);
    QTextStream errStream(&err);
    ProxySmart::Cli::Io io {outStream, errStream};
    QCOMPARE(ProxySmart::Cli::run(arguments, io), exitCode);
    outStream.flush();
    errStream.flush();
    if (!expectedOut.isEmpty())
        QVERIFY2(out.contains(expectedOut), qPrintable(out));
    if (!expectedErr.isEmpty())
        QVERIFY2(err.contains(expectedErr), qPrintable(err));
}

void TestAuthzEngine::commandLineWithBody()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write("{\"resourceType\":\"Observation\",\"status\":\"final\"}");
    file.flush();
    QString out;
    QString err;
    QTextStream outStream(&out);
    QTextStream errStream(&err);
    ProxySmart::Cli::Io io {outStream, errStream};
    const QStringList arguments {QStringLiteral("authz"),     QStringLiteral("explain"),
                                 QStringLiteral("--scope"),   QStringLiteral("patient/*.cu"),
                                 QStringLiteral("--patient"), QStringLiteral("123"),
                                 QStringLiteral("--body"),    file.fileName(),
                                 QStringLiteral("POST"),      QStringLiteral("Observation")};
    QCOMPARE(ProxySmart::Cli::run(arguments, io), 0);
    outStream.flush();
    QVERIFY2(out.contains(QStringLiteral("checkBody")), qPrintable(out));
}

QTEST_GUILESS_MAIN(TestAuthzEngine)
#include "tst_authzengine.moc"
