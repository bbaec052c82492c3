#include "gateway/ResourceCheck.h"

#include "authz/ResourceTypes.h"

#include <QJsonArray>
#include <QUrl>

namespace ProxySmart::ResourceCheck {

namespace {

struct ElementRow
{
    QStringView type; // empty: any type
    QStringView parameter;
    QStringView elements; // comma-separated paths
};

// Where each R4 Patient-compartment parameter lives in the resource. Rows
// with a type come first and win over the generic rows.
constexpr ElementRow elementTable[] = {
    {u"Appointment", u"actor", u"participant.actor"},
    {u"AppointmentResponse", u"actor", u"actor"},
    {u"CareTeam", u"participant", u"participant.member"},
    {u"CarePlan", u"performer", u"activity.detail.performer"},
    {u"Encounter", u"patient", u"subject"},
    {u"Group", u"member", u"member.entity"},
    {u"Composition", u"attester", u"attester.party"},
    {u"Claim", u"payee", u"payee.party"},
    {u"ExplanationOfBenefit", u"payee", u"payee.party"},
    {u"Coverage", u"policy-holder", u"policyHolder"},
    {u"Coverage", u"payor", u"payor"},
    {u"Procedure", u"performer", u"performer.actor"},
    {u"MedicationAdministration", u"performer", u"performer.actor"},
    {u"MedicationDispense", u"performer", u"performer.actor"},
    {u"Immunization", u"performer", u"performer.actor"},
    {u"Provenance", u"agent", u"agent.who"},
    {u"ResearchSubject", u"individual", u"individual"},
    {u"Schedule", u"actor", u"actor"},
    {u"Patient", u"link", u"link.other"},
    {u"Person", u"link", u"link.target"},
    {{}, u"patient", u"patient,subject,beneficiary"},
    {{}, u"subject", u"subject"},
    {{}, u"performer", u"performer,performer.actor"},
    {{}, u"participant", u"participant.individual,participant.actor,participant.member"},
    {{}, u"actor", u"actor,participant.actor"},
    {{}, u"requester", u"requester"},
    {{}, u"recorder", u"recorder"},
    {{}, u"asserter", u"asserter"},
    {{}, u"author", u"author"},
    {{}, u"sender", u"sender"},
    {{}, u"recipient", u"recipient"},
    {{}, u"informant", u"informant"},
    {{}, u"source", u"source"},
    {{}, u"focus", u"focus"},
    {{}, u"subscriber", u"subscriber"},
    {{}, u"beneficiary", u"beneficiary"},
    {{}, u"agent", u"agent.who"},
    {{}, u"member", u"member"},
    {{}, u"individual", u"individual"},
};

void collect(const QJsonValue &value, QStringView path, QSet<QString> *out);

void collectReference(const QJsonValue &value, QSet<QString> *out)
{
    if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            collectReference(item, out);
        return;
    }
    QString reference = value.toObject().value(u"reference").toString();
    if (reference.isEmpty() || reference.startsWith(u'#') || reference.startsWith(u"urn:"))
        return;
    const qsizetype history = reference.indexOf(u"/_history/");
    if (history >= 0)
        reference.truncate(history);
    const QList<QStringView> segments = QStringView(reference).split(u'/');
    if (segments.size() < 2 || segments.at(segments.size() - 2) != u"Patient")
        return;
    const QStringView id = segments.last();
    if (!id.isEmpty())
        out->insert(id.toString());
}

void collect(const QJsonValue &value, QStringView path, QSet<QString> *out)
{
    if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            collect(item, path, out);
        return;
    }
    if (path.isEmpty()) {
        collectReference(value, out);
        return;
    }
    const qsizetype dot = path.indexOf(u'.');
    const QStringView head = dot < 0 ? path : path.first(dot);
    const QStringView rest = dot < 0 ? QStringView() : path.sliced(dot + 1);
    collect(value.toObject().value(head), rest, out);
}

bool tokenMatches(const QJsonValue &element, QStringView wanted)
{
    if (element.isArray()) {
        for (const QJsonValue &item : element.toArray()) {
            if (tokenMatches(item, wanted))
                return true;
        }
        return false;
    }
    const qsizetype bar = wanted.indexOf(u'|');
    const bool hasSystem = bar >= 0;
    const QStringView system = hasSystem ? wanted.first(bar) : QStringView();
    const QStringView code = hasSystem ? wanted.sliced(bar + 1) : wanted;
    if (element.isString())
        return (!hasSystem || system.isEmpty()) && element.toString() == code;
    const QJsonObject object = element.toObject();
    if (object.contains(u"coding"))
        return tokenMatches(object.value(u"coding"), wanted);
    if (!object.contains(u"code"))
        return false;
    if (object.value(u"code").toString() != code)
        return false;
    if (!hasSystem)
        return true;
    const QString ownSystem = object.value(u"system").toString();
    return system.isEmpty() ? ownSystem.isEmpty() : ownSystem == system;
}

} // namespace

QStringList elementsFor(QStringView type, QStringView compartmentParameter)
{
    for (const ElementRow &row : elementTable) {
        if (row.parameter != compartmentParameter)
            continue;
        if (!row.type.isEmpty() && row.type != type)
            continue;
        QStringList paths;
        for (QStringView path : row.elements.tokenize(u','))
            paths.append(path.toString());
        return paths;
    }
    // The parameter's own name as the element: a best guess that can only
    // find fewer patients, never more, so an unknown mapping refuses.
    return {compartmentParameter.toString()};
}

QSet<QString> patientsOf(const QJsonObject &resource)
{
    QSet<QString> patients;
    const QString type = resource.value(u"resourceType").toString();
    if (type == u"Patient") {
        const QString id = resource.value(u"id").toString();
        if (!id.isEmpty())
            patients.insert(id);
    }
    const int index = Authz::ResourceTypes::indexOf(type);
    for (QStringView parameter : Authz::ResourceTypes::compartmentParameters(index)) {
        for (const QString &path : elementsFor(type, parameter))
            collect(QJsonValue(resource), path, &patients);
    }
    if (type == u"Patient")
        collect(QJsonValue(resource), u"link.other", &patients);
    return patients;
}

bool inCompartment(const QJsonObject &resource, const QSet<QString> &patients)
{
    const QString type = resource.value(u"resourceType").toString();
    const int index = Authz::ResourceTypes::indexOf(type);
    if (index == Authz::ResourceTypes::None)
        return false;
    if (type != u"Patient" && !Authz::ResourceTypes::inPatientCompartment(index))
        return true;
    return patientsOf(resource).intersects(patients);
}

bool matches(const QJsonObject &resource, const Authz::GranularFilter &filter)
{
    for (const Authz::GranularParam &param : filter.params) {
        if (!resource.contains(param.name))
            return false;
        const QJsonValue element = resource.value(param.name);
        bool any = false;
        for (const QString &value : param.values)
            any = any || tokenMatches(element, value);
        if (!any)
            return false;
    }
    return true;
}

bool admits(const Authz::Constraint &constraint, const QJsonObject &resource,
            const QSet<QString> &patients)
{
    const QString type = resource.value(u"resourceType").toString();
    if (constraint.resourceType != Authz::ResourceTypes::All
        && Authz::ResourceTypes::name(constraint.resourceType) != type)
        return true;
    if ((!constraint.patients.isEmpty() || !constraint.roleFilter.isEmpty())
        && !inCompartment(resource, patients))
        return false;
    if (!constraint.anyOf.isEmpty()) {
        bool any = false;
        for (const Authz::GranularFilter &filter : constraint.anyOf)
            any = any || matches(resource, filter);
        if (!any)
            return false;
    }
    return true;
}

QByteArray queryParameter(QStringView name, QStringView value)
{
    return QUrl::toPercentEncoding(name.toString()) + '='
        + QUrl::toPercentEncoding(value.toString(), QByteArrayLiteral(",/"));
}

} // namespace ProxySmart::ResourceCheck
