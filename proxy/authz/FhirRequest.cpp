#include "authz/FhirRequest.h"

#include "authz/Scope.h"

#include <QJsonArray>

namespace ProxySmart::Authz {

QStringView interactionName(Interaction interaction)
{
    switch (interaction) {
    case Interaction::Read:
        return u"read";
    case Interaction::VRead:
        return u"vread";
    case Interaction::Update:
        return u"update";
    case Interaction::Patch:
        return u"patch";
    case Interaction::Delete:
        return u"delete";
    case Interaction::HistoryInstance:
        return u"history-instance";
    case Interaction::HistoryType:
        return u"history-type";
    case Interaction::HistorySystem:
        return u"history-system";
    case Interaction::Create:
        return u"create";
    case Interaction::SearchType:
        return u"search-type";
    case Interaction::SearchSystem:
        return u"search-system";
    case Interaction::SearchCompartment:
        return u"search-compartment";
    case Interaction::Capabilities:
        return u"capabilities";
    case Interaction::SmartConfiguration:
        return u"smart-configuration";
    case Interaction::Operation:
        return u"operation";
    case Interaction::Batch:
        return u"batch";
    case Interaction::Transaction:
        return u"transaction";
    case Interaction::GraphQL:
        return u"graphql";
    }
    return u"unknown";
}

QStringView reachName(Reach reach)
{
    switch (reach) {
    case Reach::Target:
        return u"target";
    case Reach::Include:
        return u"_include";
    case Reach::RevInclude:
        return u"_revinclude";
    case Reach::Chain:
        return u"chain";
    case Reach::Has:
        return u"_has";
    case Reach::List:
        return u"_list";
    case Reach::Contained:
        return u"_contained";
    }
    return u"unknown";
}

QString FhirRequest::summary() const
{
    QString text = (conditional ? QStringLiteral("conditional ") : QString())
        + interactionName(interaction).toString();
    if (compartmentType != ResourceTypes::None) {
        text += QLatin1Char(' ') + ResourceTypes::name(compartmentType).toString()
            + QLatin1Char('/') + id + QLatin1Char('/')
            + ResourceTypes::name(resourceType).toString();
        return text;
    }
    if (resourceType != ResourceTypes::None) {
        text += QLatin1Char(' ') + ResourceTypes::name(resourceType).toString();
        if (!id.isEmpty())
            text += QLatin1Char('/') + id;
        if (!versionId.isEmpty())
            text += QLatin1String("/_history/") + versionId;
    }
    if (!operation.isEmpty())
        text += QLatin1Char(' ') + operation;
    return text;
}

QJsonObject FhirRequest::toJson() const
{
    QJsonObject object;
    object.insert(QLatin1StringView("interaction"), interactionName(interaction).toString());
    object.insert(QLatin1StringView("method"), method);
    if (conditional)
        object.insert(QLatin1StringView("conditional"), true);
    if (compartmentType != ResourceTypes::None)
        object.insert(QLatin1StringView("compartment"),
                      ResourceTypes::name(compartmentType).toString() + QLatin1Char('/') + id);
    if (resourceType != ResourceTypes::None)
        object.insert(QLatin1StringView("resourceType"),
                      ResourceTypes::name(resourceType).toString());
    if (!id.isEmpty() && compartmentType == ResourceTypes::None)
        object.insert(QLatin1StringView("id"), id);
    if (!versionId.isEmpty())
        object.insert(QLatin1StringView("versionId"), versionId);
    if (!operation.isEmpty())
        object.insert(QLatin1StringView("operation"), operation);
    QJsonArray reaches;
    for (const Access &access : accesses) {
        QJsonObject reach;
        reach.insert(QLatin1StringView("resourceType"),
                     ResourceTypes::name(access.resourceType).toString());
        reach.insert(QLatin1StringView("permissions"), permissionLetters(access.permissions));
        reach.insert(QLatin1StringView("via"), reachName(access.reach).toString());
        if (!access.via.isEmpty() && access.reach != Reach::Target)
            reach.insert(QLatin1StringView("parameter"), access.via);
        reaches.append(reach);
    }
    if (!reaches.isEmpty())
        object.insert(QLatin1StringView("reaches"), reaches);
    if (!entries.empty()) {
        QJsonArray entryArray;
        for (const FhirRequest &entry : entries)
            entryArray.append(entry.toJson());
        object.insert(QLatin1StringView("entries"), entryArray);
    }
    return object;
}

} // namespace ProxySmart::Authz
