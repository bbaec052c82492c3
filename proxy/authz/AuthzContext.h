#pragma once

#include <QString>
#include <QStringList>

namespace ProxySmart::Authz {

// What the verified token and the gateway know besides the scopes.
struct AuthzContext
{
    // The token's patient context (launch/patient or EHR launch); empty if none.
    QString patientId;
    // The token's fhirUser: "Patient/123", "Practitioner/abc", … (a full URL
    // is accepted; its last two segments are used).
    QString fhirUser;
    // The patients a Practitioner user is assigned to, when the gateway knows
    // them (care team, general practitioner, encounter participant).
    QStringList assignedPatients;
    bool assignedPatientsKnown = false;
};

} // namespace ProxySmart::Authz
