#include "authz/Decision.h"

#include <QJsonArray>

namespace ProxySmart::Authz {

namespace {

QString permissionWords(quint8 permissions)
{
    static constexpr QStringView words[] = {u"create", u"read", u"update", u"delete", u"search"};
    QStringList list;
    for (int i = 0; i < 5; ++i) {
        if (permissions & (1u << i))
            list.append(words[i].toString());
    }
    return list.join(QLatin1String(" and "));
}

QString typeText(int type)
{
    if (type == ResourceTypes::All)
        return QStringLiteral("every resource type");
    return ResourceTypes::name(type).toString();
}

QString reachText(const Reason &reason)
{
    switch (reason.reach) {
    case Reach::Target:
        return {};
    case Reach::Include:
        return QStringLiteral(" (reached through _include)");
    case Reach::RevInclude:
        return QStringLiteral(" (reached through _revinclude)");
    case Reach::Chain:
        return QStringLiteral(" (reached through the chained parameter %1)").arg(reason.detail);
    case Reach::Has:
        return QStringLiteral(" (reached through %1)").arg(reason.detail);
    case Reach::List:
        return QStringLiteral(" (reached through _list)");
    case Reach::Contained:
        return QStringLiteral(" (reached through _contained)");
    }
    return {};
}

QJsonArray referenceArray(const QStringList &patients)
{
    QJsonArray array;
    for (const QString &id : patients)
        array.append(QLatin1String("Patient/") + id);
    return array;
}

} // namespace

bool Reason::isRefusal() const
{
    switch (code) {
    case Code::ScopeGranted:
    case Code::NoScopeNeeded:
    case Code::BundleAllowed:
    case Code::UnknownScope:
        return false;
    default:
        return true;
    }
}

QString Reason::codeName() const
{
    switch (code) {
    case Code::ScopeGranted:
        return QStringLiteral("scope.granted");
    case Code::NoScopeNeeded:
        return QStringLiteral("scope.not_required");
    case Code::ScopeMissing:
        return QStringLiteral("scope.missing");
    case Code::NoPatientContext:
        return QStringLiteral("scope.no_patient_context");
    case Code::NoUserContext:
        return QStringLiteral("scope.no_user_context");
    case Code::GranularUnprovable:
        return QStringLiteral("scope.granular_unprovable");
    case Code::UnknownScope:
        return QStringLiteral("scope.unknown");
    case Code::CompartmentOutside:
        return QStringLiteral("compartment.outside");
    case Code::CompartmentUnnarrowable:
        return QStringLiteral("compartment.unnarrowable");
    case Code::CompartmentChainEscape:
        return QStringLiteral("compartment.chain_escape");
    case Code::PatchUnverifiable:
        return QStringLiteral("compartment.patch_unverifiable");
    case Code::CreatePatient:
        return QStringLiteral("compartment.create_patient");
    case Code::BulkSystemOnly:
        return QStringLiteral("bulk.system_only");
    case Code::GraphQLWildcardOnly:
        return QStringLiteral("graphql.system_wildcard_only");
    case Code::BundleEntryDenied:
        return QStringLiteral("bundle.entry_denied");
    case Code::BundleAllowed:
        return QStringLiteral("bundle.entries_allowed");
    case Code::RequestRefused:
        return requestCode;
    }
    return QStringLiteral("unknown");
}

QString Reason::message() const
{
    const QString what = permissionWords(permissions) + QStringLiteral(" of ")
        + typeText(resourceType) + reachText(*this);
    switch (code) {
    case Code::ScopeGranted:
        return QStringLiteral("%1 is granted by %2").arg(what, scope);
    case Code::NoScopeNeeded:
        return QStringLiteral("%1 needs no scope").arg(detail);
    case Code::ScopeMissing:
        return QStringLiteral("no scope grants %1").arg(what);
    case Code::NoPatientContext:
        return QStringLiteral("%1 grants nothing: the token has no patient in context").arg(scope);
    case Code::NoUserContext:
        return QStringLiteral("%1 grants nothing: the token has no usable fhirUser").arg(scope);
    case Code::GranularUnprovable:
        return QStringLiteral("%1 is granted only by the granular scope %2, which cannot be "
                              "checked where the type is only reached, not returned")
            .arg(what, scope);
    case Code::UnknownScope:
        return QStringLiteral("%1 was ignored: %2").arg(scope, detail);
    case Code::CompartmentOutside:
        return QStringLiteral("%1 is outside the patients the token may see (%2)")
            .arg(what, detail);
    case Code::CompartmentUnnarrowable:
        return QStringLiteral("%1 cannot be narrowed to the patients the token may see: %2")
            .arg(what, detail);
    case Code::CompartmentChainEscape:
        return QStringLiteral("%1 could reach resources outside the patients the token may see")
            .arg(what);
    case Code::PatchUnverifiable:
        return QStringLiteral("a patch of %1 cannot be checked to stay within the grant (%2)")
            .arg(typeText(resourceType), detail);
    case Code::CreatePatient:
        return QStringLiteral("a new Patient cannot be created within a patient-bound grant");
    case Code::BulkSystemOnly:
        return QStringLiteral("bulk export needs system/ scopes covering %1").arg(what);
    case Code::GraphQLWildcardOnly:
        return QStringLiteral("GraphQL queries are not inspected, so they need a system/*.rs "
                              "(or system/*.read) scope");
    case Code::BundleEntryDenied:
        return QStringLiteral("entry %1 is refused: %2").arg(entry).arg(detail);
    case Code::BundleAllowed:
        return QStringLiteral("every entry of the bundle is allowed (%1)").arg(detail);
    case Code::RequestRefused:
        return detail;
    }
    return detail;
}

QJsonObject Reason::toJson() const
{
    QJsonObject object;
    object.insert(QLatin1StringView("code"), codeName());
    object.insert(QLatin1StringView("message"), message());
    if (!scope.isEmpty())
        object.insert(QLatin1StringView("scope"), scope);
    if (resourceType != ResourceTypes::None)
        object.insert(QLatin1StringView("resourceType"),
                      ResourceTypes::name(resourceType).toString());
    if (entry >= 0)
        object.insert(QLatin1StringView("entry"), entry);
    return object;
}

QString Constraint::searchValue() const
{
    if (kind != Kind::NarrowSearch || patients.isEmpty())
        return {};
    if (param == u"_id")
        return patients.join(QLatin1Char(','));
    QString value;
    for (const QString &id : patients) {
        if (!value.isEmpty())
            value += QLatin1Char(',');
        value += QLatin1String("Patient/") + id;
    }
    return value;
}

QString Constraint::kindName() const
{
    switch (kind) {
    case Kind::NarrowSearch:
        return QStringLiteral("narrowSearch");
    case Kind::AddParameters:
        return QStringLiteral("addParameters");
    case Kind::CheckResponse:
        return QStringLiteral("checkResponse");
    case Kind::CheckBody:
        return QStringLiteral("checkBody");
    case Kind::CheckExisting:
        return QStringLiteral("checkExisting");
    }
    return QStringLiteral("unknown");
}

QJsonObject Constraint::toJson() const
{
    QJsonObject object;
    object.insert(QLatin1StringView("kind"), kindName());
    object.insert(QLatin1StringView("resourceType"), ResourceTypes::name(resourceType).toString());
    if (!id.isEmpty())
        object.insert(QLatin1StringView("id"), id);
    if (kind == Kind::NarrowSearch) {
        object.insert(QLatin1StringView("param"), param);
        if (!patients.isEmpty())
            object.insert(QLatin1StringView("value"), searchValue());
    } else if (!patients.isEmpty()) {
        object.insert(QLatin1StringView("patients"), referenceArray(patients));
    }
    if (!roleFilter.isEmpty())
        object.insert(QLatin1StringView("roleFilter"), roleFilter);
    if (kind == Kind::AddParameters) {
        QJsonArray parameters;
        for (const GranularFilter &filter : anyOf) {
            for (const GranularParam &param : filter.params) {
                QJsonObject parameter;
                parameter.insert(QLatin1StringView("name"), param.name);
                parameter.insert(QLatin1StringView("value"), param.values.join(QLatin1Char(',')));
                parameters.append(parameter);
            }
        }
        object.insert(QLatin1StringView("parameters"), parameters);
    } else if (!anyOf.isEmpty()) {
        QJsonArray filters;
        for (const GranularFilter &filter : anyOf)
            filters.append(filter.text);
        object.insert(QLatin1StringView("anyOf"), filters);
    }
    return object;
}

const Reason *Decision::refusal() const
{
    for (const Reason &reason : reasons) {
        if (reason.isRefusal())
            return &reason;
    }
    return nullptr;
}

QJsonObject Decision::toJson() const
{
    QJsonObject object;
    object.insert(QLatin1StringView("decision"),
                  allowed ? QStringLiteral("allow") : QStringLiteral("deny"));
    QJsonArray reasonArray;
    for (const Reason &reason : reasons)
        reasonArray.append(reason.toJson());
    object.insert(QLatin1StringView("reasons"), reasonArray);
    QJsonArray constraintArray;
    for (const Constraint &constraint : constraints)
        constraintArray.append(constraint.toJson());
    object.insert(QLatin1StringView("constraints"), constraintArray);
    if (!entries.empty()) {
        QJsonArray entryArray;
        for (const Decision &entry : entries)
            entryArray.append(entry.toJson());
        object.insert(QLatin1StringView("entries"), entryArray);
    }
    return object;
}

} // namespace ProxySmart::Authz
