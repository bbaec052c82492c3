#pragma once

#include "authz/FhirRequest.h"
#include "authz/Scope.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <vector>

namespace ProxySmart::Authz {

// Why a decision came out as it did. Stable codes; the message is built for
// people on demand (the hot path stores only the facts).
struct Reason
{
    enum class Code : quint8 {
        ScopeGranted, // "scope.granted"
        NoScopeNeeded, // "scope.not_required"
        ScopeMissing, // "scope.missing"
        NoPatientContext, // "scope.no_patient_context"
        NoUserContext, // "scope.no_user_context"
        GranularUnprovable, // "scope.granular_unprovable"
        UnknownScope, // "scope.unknown" (informational, on refusals)
        CompartmentOutside, // "compartment.outside"
        CompartmentUnnarrowable, // "compartment.unnarrowable"
        CompartmentChainEscape, // "compartment.chain_escape"
        PatchUnverifiable, // "compartment.patch_unverifiable"
        CreatePatient, // "compartment.create_patient"
        BulkSystemOnly, // "bulk.system_only"
        GraphQLWildcardOnly, // "graphql.system_wildcard_only"
        BundleEntryDenied, // "bundle.entry_denied"
        BundleAllowed, // "bundle.entries_allowed"
        RequestRefused, // the classifier's code, "request.*"
    };

    Code code = Code::ScopeMissing;
    QString scope; // the granting or ignored scope
    int resourceType = ResourceTypes::None;
    quint8 permissions = 0;
    Reach reach = Reach::Target;
    QString detail; // extra words: the parameter, the patient, the classifier's message
    QString requestCode; // for RequestRefused: "request.path", …
    int entry = -1; // the bundle entry this is about

    bool isRefusal() const;
    QString codeName() const;
    QString message() const;
    QJsonObject toJson() const;
};

// Data the gateway applies to an allowed request. Each carries either the
// patients the access is limited to, or the fhirUser whose role filtering
// must admit it; and/or the granular filters (any of) the data must match.
struct Constraint
{
    enum class Kind : quint8 {
        NarrowSearch, // add `param=value` to the search (the patient compartment)
        AddParameters, // add a granular scope's parameters to the search
        CheckResponse, // check every returned resource of resourceType
        CheckBody, // check the resource written before forwarding
        CheckExisting, // read the stored resource and check it before the write/delete
    };

    Kind kind = Kind::CheckResponse;
    int resourceType = ResourceTypes::None; // ResourceTypes::All for every type
    QString id; // CheckExisting: the resource's id
    QString param; // NarrowSearch: the search parameter
    QStringList patients; // patient ids
    QString roleFilter; // the fhirUser whose role filtering applies
    QList<GranularFilter> anyOf; // granular filters, any of which must hold

    // NarrowSearch: the value to add ("Patient/1,Patient/2", or "1,2" for _id);
    // empty when the gateway must compute it from roleFilter.
    QString searchValue() const;
    QString kindName() const;
    QJsonObject toJson() const;

    friend bool operator==(const Constraint &, const Constraint &) = default;
};

// The engine's answer.
struct Decision
{
    bool allowed = false;
    QList<Reason> reasons;
    QList<Constraint> constraints; // empty when refused
    std::vector<Decision> entries; // batch/transaction: one decision per entry

    // The first refusing reason, or nullptr.
    const Reason *refusal() const;
    // {"decision": "allow"|"deny", "reasons": [...], "constraints": [...], "entries": [...]}
    QJsonObject toJson() const;
};

} // namespace ProxySmart::Authz
