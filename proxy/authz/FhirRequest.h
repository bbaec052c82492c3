#pragma once

#include "authz/ResourceTypes.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <vector>

namespace ProxySmart::Authz {

// What a FHIR request does, as far as authorization cares.
enum class Interaction : quint8 {
    Read,
    VRead,
    Update,
    Patch,
    Delete,
    HistoryInstance,
    HistoryType,
    HistorySystem,
    Create,
    SearchType,
    SearchSystem,
    SearchCompartment,
    Capabilities, // GET /metadata
    SmartConfiguration, // GET /.well-known/smart-configuration
    Operation,
    Batch,
    Transaction,
    GraphQL,
};

QStringView interactionName(Interaction interaction);

// How a request reaches a resource type.
enum class Reach : quint8 {
    Target, // the type the interaction is on (or a `_type` of a system search)
    Include, // `_include` (also `:iterate`)
    RevInclude, // `_revinclude`
    Chain, // a chained parameter (`subject:Patient.name=`)
    Has, // a reverse chain (`_has:Observation:patient:code=`)
    List, // `_list=` (membership of a List)
    Contained, // `_contained=true|both`: contained resources become matches
};

QStringView reachName(Reach reach);

// One (resource type, permissions) pair a request touches.
struct Access
{
    int resourceType = ResourceTypes::None; // ResourceTypes::All for "any type"
    quint8 permissions = 0; // Permission bits needed
    Reach reach = Reach::Target;
    // For a chain or `_has`: the parameter linking it (for reasons), and
    // whether the link is to the patient through the compartment's own
    // parameter (`subject:Patient.name` on Observation), which a compartment
    // narrowing already pins to the patient in context.
    QString via;
    bool viaPatientLink = false;

    friend bool operator==(const Access &, const Access &) = default;
};

// A decoded search parameter: `code:text=x` is {code, text, x}.
struct SearchParam
{
    QString name;
    QString modifier;
    QString value;
};

// A classified FHIR request: every resource type it reaches with the
// permissions it needs, plus what the engine needs to narrow it.
struct FhirRequest
{
    Interaction interaction = Interaction::Read;
    bool conditional = false; // conditional create/update/patch/delete
    QString method;
    int resourceType = ResourceTypes::None; // the type in the path
    QString id; // instance id, or the compartment owner's id
    QString versionId;
    int compartmentType = ResourceTypes::None; // Patient for Patient/123/Observation
    QString operation; // "$everything", without the type or id
    QList<SearchParam> params; // query (and form body) parameters
    std::vector<Access> accesses;
    QJsonObject resource; // the JSON resource written by create/update, if any
    std::vector<FhirRequest> entries; // batch/transaction entries, in order

    bool isSearch() const
    {
        return interaction == Interaction::SearchType || interaction == Interaction::SearchSystem
            || interaction == Interaction::SearchCompartment;
    }
    // A description for people: "read Observation/123".
    QString summary() const;
    QJsonObject toJson() const;
};

} // namespace ProxySmart::Authz
