#include "authz/RequestClassifier.h"
#include "authz/Scope.h"

#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Authz;

namespace {

// "read Observation.r", "search-type Observation.s Patient.r@_include",
// "batch [read Observation.r] [create Patient.c]"; "!" marks conditional.
QString render(const FhirRequest &request)
{
    QString text = interactionName(request.interaction).toString();
    if (request.conditional)
        text += QLatin1Char('!');
    for (const Access &access : request.accesses) {
        text += QLatin1Char(' ') + ResourceTypes::name(access.resourceType).toString()
            + QLatin1Char('.') + permissionLetters(access.permissions);
        if (access.reach != Reach::Target)
            text += QLatin1Char('@') + reachName(access.reach).toString();
    }
    for (const FhirRequest &entry : request.entries)
        text += QStringLiteral(" [") + render(entry) + QLatin1Char(']');
    return text;
}

const char *const fhirJson = "application/fhir+json";
const char *const form = "application/x-www-form-urlencoded";

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

} // namespace

class TestRequestClassifier : public QObject
{
    Q_OBJECT

private slots:
    void classify_data();
    void classify();
    void details();
    void conditionalCreate();
};

void TestRequestClassifier::classify_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected");

    const auto row = [](const char *name, const char *method, const char *url, const char *expected,
                        const char *contentType = "", const QByteArray &body = {}) {
        QTest::newRow(name) << QString::fromUtf8(method) << QString::fromUtf8(url)
                            << QString::fromUtf8(contentType) << body
                            << QString::fromUtf8(expected);
    };

    // Instance interactions
    row("GET Observation/123 is a read", "GET", "Observation/123", "read Observation.r");
    row("a leading slash is accepted", "GET", "/Observation/123", "read Observation.r");
    row("HEAD is classified like GET", "HEAD", "Observation/123", "read Observation.r");
    row("a vread needs read", "GET", "Observation/123/_history/2", "vread Observation.r");
    row("instance history needs read", "GET", "Patient/123/_history", "history-instance Patient.r");
    row("PUT on an instance is an update", "PUT", "Observation/123", "update Observation.u",
        fhirJson, resource("Observation", "123"));
    row("PATCH on an instance is a patch", "PATCH", "Observation/123", "patch Observation.u",
        "application/json-patch+json", "[]");
    row("DELETE on an instance is a delete", "DELETE", "Observation/123", "delete Observation.d");
    row("a read may ask for _summary and _format", "GET", "Patient/1?_summary=true&_format=json",
        "read Patient.r");
    row("an id with dots and dashes is valid", "GET", "Observation/a-b.c", "read Observation.r");

    // Type and system interactions
    row("POST to a type is a create", "POST", "Observation", "create Observation.c", fhirJson,
        resource("Observation"));
    row("GET on a type is a type search", "GET", "Observation?code=1234",
        "search-type Observation.s");
    row("GET on a type without parameters is a type search", "GET", "Observation",
        "search-type Observation.s");
    row("type history needs search and read", "GET", "Observation/_history",
        "history-type Observation.rs");
    row("system history reaches every type", "GET", "_history", "history-system *.rs");
    row("GET on the base is a system search across every type", "GET", "", "search-system *.s");
    row("a system search with _type reaches just those types", "GET",
        "?_type=Observation,Condition", "search-system Observation.s Condition.s");
    row("repeated _type parameters are united", "GET", "?_type=Observation&_type=Condition",
        "search-system Observation.s Condition.s");
    row("POST _search on a type reads the form body", "POST", "Observation/_search",
        "search-type Observation.s", form, "code=1234&patient=Patient%2F123");
    row("POST _search with an include in the form body counts the include", "POST",
        "Observation/_search", "search-type Practitioner.r@_include Observation.s", form,
        "_include=Observation:performer:Practitioner");
    row("POST _search with a JSON body is refused", "POST", "Observation/_search",
        "error:request.content_type", fhirJson, "{}");
    row("POST _search on the base is a system search", "POST", "_search", "search-system *.s", form,
        "_lastUpdated=gt2020");
    row("GET /metadata is the capability statement", "GET", "metadata", "capabilities");
    row("GET /metadata with mode=terminology is still capabilities", "GET",
        "metadata?mode=terminology", "capabilities");
    row("POST /metadata is not an interaction", "POST", "metadata", "error:request.interaction");
    row("the SMART configuration is recognised", "GET", ".well-known/smart-configuration",
        "smart-configuration");

    // Conditional interactions
    row("PUT on a type with criteria is a conditional update", "PUT",
        "Observation?identifier=http://x|1", "update! Observation.s Observation.u", fhirJson,
        resource("Observation"));
    row("DELETE on a type with criteria is a conditional delete", "DELETE",
        "Observation?identifier=http://x|1", "delete! Observation.s Observation.d");
    row("PATCH on a type with criteria is a conditional patch", "PATCH", "Observation?identifier=x",
        "patch! Observation.s Observation.u", "application/json-patch+json", "[]");
    row("DELETE on a type without criteria is refused", "DELETE", "Observation",
        "error:request.interaction");
    row("a conditional update with only _format is refused", "PUT", "Observation?_format=json",
        "error:request.interaction", fhirJson, resource("Observation"));
    row("conditional criteria with _include are refused", "DELETE",
        "Observation?_include=Observation:subject", "error:request.parameter");
    row("conditional criteria with a chain count the chain", "DELETE",
        "Observation?subject:Patient.name=x",
        "delete! Patient.s@chain Observation.s Observation.d");

    // Compartment searches
    row("Patient/123/Observation is a compartment search on Observation", "GET",
        "Patient/123/Observation", "search-compartment Observation.s");
    row("Patient/123/* is a compartment search on every type", "GET", "Patient/123/*",
        "search-compartment *.s");
    row("a compartment search by POST reads the form", "POST", "Patient/123/Condition/_search",
        "search-compartment Condition.s", form, "clinical-status=active");
    row("a compartment search on a type outside the compartment is refused", "GET",
        "Patient/123/Practitioner", "error:request.interaction");
    row("a compartment search on a non-compartment owner is refused", "GET",
        "Observation/1/Patient", "error:request.interaction");
    row("a compartment search with a lower-case type is refused", "GET", "Patient/123/observation",
        "error:request.type");

    // Operations
    row("Patient $everything reaches every type", "GET", "Patient/123/$everything",
        "operation *.rs");
    row("type-level Patient $everything reaches every type", "GET", "Patient/$everything",
        "operation *.rs");
    row("system $export reaches every type", "GET", "$export", "operation *.rs");
    row("system $export with _type reaches those types", "GET", "$export?_type=Patient,Observation",
        "operation Patient.rs Observation.rs");
    row("group $export is an operation", "GET", "Group/g1/$export", "operation *.rs");
    row("$export on Observation is not defined", "GET", "Observation/$export",
        "error:request.operation");
    row("$lastn is a search on Observation", "GET", "Observation/$lastn?max=3&code=1234",
        "operation Observation.s");
    row("$lastn by POST is refused", "POST", "Observation/$lastn", "error:request.operation");
    row("ValueSet $expand reads ValueSet", "GET", "ValueSet/$expand?url=http://x",
        "operation ValueSet.r");
    row("CodeSystem $lookup reads CodeSystem", "GET", "CodeSystem/$lookup?system=x&code=y",
        "operation CodeSystem.r");
    row("an instance $meta reads the instance", "GET", "Observation/1/$meta",
        "operation Observation.r");
    row("an unknown operation is refused", "GET", "Patient/123/$purge", "error:request.operation");
    row("$everything on Observation is not defined", "GET", "Observation/1/$everything",
        "error:request.operation");
    row("an operation name with odd characters is refused", "GET", "Patient/1/$every.thing",
        "error:request.operation");
    row("$everything with an unknown parameter is refused", "GET",
        "Patient/1/$everything?_include=*", "error:request.parameter");
    row("$graphql on the base is a GraphQL request", "GET", "$graphql?query={PatientList{id}}",
        "graphql *.rs");
    row("$graphql on an instance is a GraphQL request", "POST", "Patient/1/$graphql",
        "graphql *.rs", "application/graphql", "{name{text}}");

    // What a search reaches
    row("_include with a target type reaches that type", "GET",
        "Observation?_include=Observation:performer:Practitioner",
        "search-type Practitioner.r@_include Observation.s");
    row("_include without a target type reaches every type", "GET",
        "Observation?_include=Observation:subject", "search-type *.r@_include Observation.s");
    row("_include on the patient parameter reaches Patient", "GET",
        "Observation?_include=Observation:patient", "search-type Patient.r@_include Observation.s");
    row("_include=* reaches every type", "GET", "Observation?_include=*",
        "search-type *.r@_include Observation.s");
    row("_include:iterate=*:* reaches every type", "GET", "Observation?_include:iterate=*:*",
        "search-type *.r@_include Observation.s");
    row("_revinclude reaches its source type", "GET", "Patient?_revinclude=Provenance:target",
        "search-type Provenance.rs@_revinclude Patient.s");
    row("_revinclude:iterate reaches its source type", "GET",
        "Encounter?_revinclude:iterate=Observation:encounter",
        "search-type Observation.rs@_revinclude Encounter.s");
    row("_include with an unknown modifier is refused", "GET",
        "Observation?_include:deep=Observation:subject", "error:request.include");
    row("_include with a lower-case type is refused", "GET",
        "Observation?_include=observation:subject", "error:request.include");
    row("_include with a comma list is refused as ambiguous", "GET",
        "Observation?_include=Observation:subject,Observation:performer", "error:request.include");
    row("a chain with a type modifier reaches that type", "GET",
        "Observation?subject:Patient.name=Smith", "search-type Patient.s@chain Observation.s");
    row("a chain without a type reaches every type", "GET", "Observation?subject.name=Smith",
        "search-type *.s@chain Observation.s");
    row("a two-level chain reaches each link", "GET",
        "Observation?subject:Patient.general-practitioner:Practitioner.name=x",
        "search-type Patient.s@chain Practitioner.s@chain Observation.s");
    row("_has reaches the referring type", "GET", "Patient?_has:Observation:patient:code=1234",
        "search-type Observation.s@_has Patient.s");
    row("nested _has reaches each type", "GET",
        "Patient?_has:Observation:patient:_has:AuditEvent:entity:agent=x",
        "search-type Observation.s@_has AuditEvent.s@_has Patient.s");
    row("_has with a lower-case type is refused", "GET", "Patient?_has:observation:patient:code=1",
        "error:request.has");
    row("_has without a parameter is refused", "GET", "Patient?_has:Observation:patient=1",
        "error:request.has");
    row("_list reaches List", "GET", "Observation?_list=42",
        "search-type List.s@_list Observation.s");
    row("_contained=true reaches every type", "GET", "Observation?_contained=true",
        "search-type *.rs@_contained Observation.s");
    row("_contained=false reaches nothing more", "GET", "Observation?_contained=false",
        "search-type Observation.s");
    row("_elements, _count, _sort and _total are harmless", "GET",
        "Observation?_elements=code&_count=10&_sort=-date&_total=accurate",
        "search-type Observation.s");
    row("_type on a type search is refused as ambiguous", "GET", "Observation?_type=Patient",
        "error:request.parameter");
    row("_type naming a lower-case type is refused", "GET", "?_type=observation",
        "error:request.type");

    // Hostile paths
    row("an encoded slash in the path is refused", "GET", "Observation%2F123",
        "error:request.path");
    row("an encoded dollar in the path is refused", "GET", "Patient/1/%24everything",
        "error:request.path");
    row("a lower-case resource type is refused", "GET", "observation/123", "error:request.type");
    row("a dot-dot segment is refused", "GET", "Patient/123/../456", "error:request.path");
    row("a dot segment is refused", "GET", "Patient/./123", "error:request.path");
    row("a dot-dot id is refused", "GET", "Patient/..", "error:request.path");
    row("a double slash is refused", "GET", "Patient//123", "error:request.path");
    row("a leading double slash is refused", "GET", "//Patient/123", "error:request.path");
    row("a trailing slash is refused", "GET", "Patient/123/", "error:request.path");
    row("a semicolon path parameter is refused", "GET", "Patient;x=1/123", "error:request.path");
    row("a backslash is refused", "GET", "Patient\\123", "error:request.path");
    row("a space in the path is refused", "GET", "Patient/12 3", "error:request.path");
    row("an id longer than 64 characters is refused", "GET",
        "Patient/0123456789012345678901234567890123456789012345678901234567890123456789",
        "error:request.id");
    row("an id with an underscore is refused", "GET", "Patient/a_b", "error:request.id");
    row("an unknown underscore segment is refused", "GET", "Patient/_foo", "error:request.id");
    row("six segments that form no interaction are refused", "GET",
        "Patient/1/Observation/2/_history/3", "error:request.interaction");
    row("seven segments are refused outright", "GET", "Patient/1/Observation/2/_history/3/x",
        "error:request.path");
    row("a star is only a type in a compartment path", "GET", "Patient/*", "error:request.id");
    row("a star is not a type of its own", "GET", "*/1", "error:request.type");
    row("a vread with a bad version id is refused", "GET", "Patient/1/_history/..",
        "error:request.path");
    row("a lower-case method is refused", "get", "Patient/1", "error:request.method");
    row("OPTIONS is refused", "OPTIONS", "Patient/1", "error:request.method");
    row("TRACE is refused", "TRACE", "Patient/1", "error:request.method");
    row("POST to an instance is refused", "POST", "Patient/1", "error:request.interaction");

    // Hostile queries
    row("an upper-case _INCLUDE is an unknown special parameter", "GET",
        "Observation?_INCLUDE=Observation:subject", "error:request.parameter");
    row("a percent-encoded _include is still an include", "GET",
        "Observation?%5Finclude=Observation:subject", "search-type *.r@_include Observation.s");
    row("an encoded ampersand stays inside the value", "GET", "Observation?code=a%26_include%3D*",
        "search-type Observation.s");
    row("a semicolon in the query is refused", "GET", "Observation?code=1;_include=*",
        "error:request.encoding");
    row("a fragment in the query is refused", "GET", "Observation?code=1#x",
        "error:request.encoding");
    row("broken percent-encoding is refused", "GET", "Observation?code=%G1",
        "error:request.encoding");
    row("a truncated percent-encoding is refused", "GET", "Observation?code=%4",
        "error:request.encoding");
    row("an encoded NUL is refused", "GET", "Observation?code=a%00", "error:request.encoding");
    row("invalid UTF-8 is refused", "GET", "Observation?code=%C3%28", "error:request.encoding");
    row("a parameter without a value is refused", "GET", "Observation?code",
        "error:request.parameter");
    row("an unknown special parameter is refused", "GET", "Observation?_filter=code eq 1",
        "error:request.parameter");
    row("_query is refused", "GET", "Observation?_query=mine", "error:request.parameter");
    row("a paging continuation is refused", "GET", "?_getpages=abc&_getpagesoffset=10",
        "error:request.paging");
    row("an unknown modifier is refused", "GET", "Observation?code:sneaky=1",
        "error:request.modifier");
    row("a parameter name with odd characters is refused", "GET", "Observation?co$de=1",
        "error:request.parameter");
    row("an include on a read is refused", "GET", "Observation/1?_include=*",
        "error:request.parameter");
    row("a search parameter on a create is refused", "POST", "Observation?patient=1",
        "error:request.parameter", fhirJson, resource("Observation"));
    row("a bad _summary value is refused", "GET", "Observation?_summary=everything",
        "error:request.parameter");
    row("a modifier on _count is refused", "GET", "Observation?_count:x=1",
        "error:request.modifier");

    // Bodies
    row("a create whose body is another type is refused", "POST", "Observation",
        "error:request.body_type", fhirJson, resource("Patient"));
    row("an update whose body has another id is refused", "PUT", "Observation/123",
        "error:request.body_id", fhirJson, resource("Observation", "456"));
    row("a create without a body is refused", "POST", "Observation", "error:request.body",
        fhirJson);
    row("a create with an XML body is refused", "POST", "Observation", "error:request.content_type",
        "application/fhir+xml", "<Observation/>");
    row("a create with malformed JSON is refused", "POST", "Observation", "error:request.body",
        fhirJson, "{\"resourceType\":");
    row("a create with a JSON array is refused", "POST", "Observation", "error:request.body",
        fhirJson, "[]");

    // Bundles
    row("a batch classifies each entry", "POST", "",
        "batch [read Observation.r] [create Patient.c]", fhirJson,
        bundle("batch",
               entry("GET", "Observation/1") + ","
                   + entry("POST", "Patient", resource("Patient"))));
    row("a transaction classifies each entry", "POST", "",
        "transaction [update Observation.u] [delete Condition.d]", fhirJson,
        bundle("transaction",
               entry("PUT", "Observation/1", resource("Observation", "1")) + ","
                   + entry("DELETE", "Condition/2")));
    row("a batch entry search with an include counts the include", "POST", "",
        "batch [search-type *.r@_include Observation.s]", fhirJson,
        bundle("batch", entry("GET", "Observation?_include=*")));
    row("an empty batch has no entries", "POST", "", "batch", fhirJson, bundle("batch", ""));
    row("a batch entry with an absolute URL is refused", "POST", "", "error:request.bundle_entry",
        fhirJson, bundle("batch", entry("GET", "http://evil.example/fhir/Patient/1")));
    row("a batch entry with a dot-dot URL is refused", "POST", "", "error:request.bundle_entry",
        fhirJson, bundle("batch", entry("GET", "Patient/1/../2")));
    row("a batch entry posting a nested bundle is refused", "POST", "",
        "error:request.bundle_entry", fhirJson,
        bundle("batch", entry("POST", "", bundle("batch", ""))));
    row("a batch entry without a method is refused", "POST", "", "error:request.bundle_entry",
        fhirJson, bundle("batch", "{\"request\":{\"url\":\"Patient/1\"}}"));
    row("a document bundle posted to the base is refused", "POST", "", "error:request.bundle",
        fhirJson, bundle("document", ""));
    row("a non-bundle posted to the base is refused", "POST", "", "error:request.bundle", fhirJson,
        resource("Patient"));
    row("a bundle with a non-array entry is refused", "POST", "", "error:request.bundle", fhirJson,
        "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":{}}");
    row("a batch entry creating a mismatched type is refused", "POST", "",
        "error:request.bundle_entry", fhirJson,
        bundle("batch", entry("POST", "Observation", resource("Patient"))));
}

void TestRequestClassifier::classify()
{
    QFETCH(QString, method);
    QFETCH(QString, url);
    QFETCH(QString, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QString, expected);

    const qsizetype question = url.indexOf(u'?');
    const QString path = question >= 0 ? url.left(question) : url;
    const QString query = question >= 0 ? url.mid(question + 1) : QString();
    const Result<FhirRequest> result =
        RequestClassifier::classify(method, path, query, contentType, body);
    if (expected.startsWith(QLatin1String("error:"))) {
        QVERIFY2(!result.ok(), qPrintable(result.ok() ? render(result.value()) : QString()));
        QCOMPARE(result.error().code, expected.mid(6));
        QVERIFY(!result.error().message.isEmpty());
    } else {
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(render(result.value()), expected);
    }
}

void TestRequestClassifier::details()
{
    const Result<FhirRequest> vread =
        RequestClassifier::classify(u"GET", u"Observation/abc/_history/7", {}, {}, {});
    QVERIFY(vread.ok());
    QCOMPARE(vread->id, QStringLiteral("abc"));
    QCOMPARE(vread->versionId, QStringLiteral("7"));

    const Result<FhirRequest> compartment =
        RequestClassifier::classify(u"GET", u"Patient/p1/Observation", u"code=x", {}, {});
    QVERIFY(compartment.ok());
    QCOMPARE(compartment->compartmentType, ResourceTypes::indexOf(u"Patient"));
    QCOMPARE(compartment->id, QStringLiteral("p1"));
    QCOMPARE(compartment->resourceType, ResourceTypes::indexOf(u"Observation"));

    const Result<FhirRequest> search = RequestClassifier::classify(
        u"GET", u"Observation", u"code:text=a+b&category=http%3A%2F%2Fx%7Clab", {}, {});
    QVERIFY(search.ok());
    QCOMPARE(search->params.size(), 2);
    QCOMPARE(search->params[0].name, QStringLiteral("code"));
    QCOMPARE(search->params[0].modifier, QStringLiteral("text"));
    QCOMPARE(search->params[0].value, QStringLiteral("a b"));
    QCOMPARE(search->params[1].value, QStringLiteral("http://x|lab"));

    const Result<FhirRequest> operation =
        RequestClassifier::classify(u"GET", u"Patient/p1/$everything", {}, {}, {});
    QVERIFY(operation.ok());
    QCOMPARE(operation->operation, QStringLiteral("$everything"));
    QCOMPARE(operation->summary(), QStringLiteral("operation Patient/p1 $everything"));

    QVERIFY(RequestClassifier::isValidId(u"A-z.0"));
    QVERIFY(!RequestClassifier::isValidId(u""));
    QVERIFY(!RequestClassifier::isValidId(u"."));
    QVERIFY(!RequestClassifier::isValidId(u"a/b"));
}

void TestRequestClassifier::conditionalCreate()
{
    const QByteArray body = "{\"resourceType\":\"Patient\"}";
    const Result<FhirRequest> created = RequestClassifier::classify(
        u"POST", u"Patient", {}, u"application/fhir+json", body, u"identifier=http://x|1");
    QVERIFY(created.ok());
    QCOMPARE(render(created.value()), QStringLiteral("create! Patient.s Patient.c"));

    const Result<FhirRequest> sneaky = RequestClassifier::classify(
        u"POST", u"Patient", {}, u"application/fhir+json", body, u"_revinclude=*");
    QVERIFY(!sneaky.ok());
    QCOMPARE(sneaky.error().code, QStringLiteral("request.parameter"));
}

QTEST_GUILESS_MAIN(TestRequestClassifier)
#include "tst_requestclassifier.moc"
