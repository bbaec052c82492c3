#pragma once

#include "authz/Decision.h"

#include <QByteArray>
#include <QJsonObject>
#include <QSet>
#include <QStringList>

namespace ProxySmart {

// Checks FHIR resources against the engine's constraints: which patients a
// resource belongs to (through the elements behind the Patient
// CompartmentDefinition's parameters) and whether it matches a v2 granular
// scope's filters. Pure functions, safe on any thread.
namespace ResourceCheck {

// The element paths ("participant.member") that carry a compartment
// parameter's reference in resources of `type` (the search parameter
// "patient" of Observation is the element "subject", and so on).
QStringList elementsFor(QStringView type, QStringView compartmentParameter);

// The ids of the patients a resource references through its compartment
// elements (for a Patient: its own id and Patient.link.other). References
// are relative ("Patient/1") or absolute URLs ending so; a version suffix is
// ignored; contained and urn: references count for nothing.
QSet<QString> patientsOf(const QJsonObject &resource);

// Whether the resource lies in the compartment of one of the patients. A type
// outside the Patient compartment is not patient data and is admitted.
bool inCompartment(const QJsonObject &resource, const QSet<QString> &patients);

// Whether the resource matches every parameter of the filter. Supported:
// token parameters on elements of the same name (CodeableConcept, Coding,
// code, string), "system|code", "|code" and "code" forms. Anything else does
// not match (fail closed).
bool matches(const QJsonObject &resource, const Authz::GranularFilter &filter);

// Whether a constraint (CheckResponse/CheckBody/CheckExisting) admits the
// resource. `patients` are the ids the constraint's patients or role filter
// stand for. Constraints on other types admit it.
bool admits(const Authz::Constraint &constraint, const QJsonObject &resource,
            const QSet<QString> &patients);

// "name=value" for a query, percent-encoded as a search parameter: letters,
// digits, "-._~" and the separators "," (alternatives) and "/" stay, the
// rest (including "|") is escaped.
QByteArray queryParameter(QStringView name, QStringView value);

} // namespace ResourceCheck

} // namespace ProxySmart
