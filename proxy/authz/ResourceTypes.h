#pragma once

#include <QList>
#include <QStringView>

namespace ProxySmart::Authz {

// The FHIR R4 (4.0.1) resource types and the Patient CompartmentDefinition,
// as a compact static table. Types are addressed by a small index so that
// grants and requests compare integers on the hot path.
class ResourceTypes
{
public:
    // Index meaning "every resource type" (a `*` scope, `_include=*`, a
    // system-wide search without `_type`).
    static constexpr int All = -1;
    // Index meaning "not a resource type".
    static constexpr int None = -2;

    static int count();
    // Case-sensitive, as FHIR type names are: "observation" is None.
    static int indexOf(QStringView name);
    // "*" for All, "" for None.
    static QStringView name(int index);

    // Whether resources of this type can belong to a patient's compartment.
    static bool inPatientCompartment(int index);
    // The R4 CompartmentDefinition's parameters linking the type to the
    // patient ("subject", "performer" for Observation); empty when the type
    // is not in the compartment. Patient itself is linked by "link" (and its
    // own id).
    static QList<QStringView> compartmentParameters(int index);
    static bool isCompartmentParameter(int index, QStringView parameter);
    // The one search parameter the gateway adds to narrow a search of this
    // type to a patient: "patient" where R4 defines it, otherwise a
    // compartment parameter ("subject", "member", "actor", "individual");
    // "_id" for Patient. Empty when the type is not in the compartment.
    static QStringView narrowingParameter(int index);
};

} // namespace ProxySmart::Authz
