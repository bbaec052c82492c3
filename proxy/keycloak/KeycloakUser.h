#pragma once

#include "core/Result.h"

#include <QJsonObject>
#include <QMetaType>
#include <QStringList>

#include <optional>

namespace ProxySmart {

// A Keycloak user as the gateway sees it: who they are and which FHIR
// resource (`fhirUser`: Patient/…, Practitioner/…, RelatedPerson/…,
// Person/…) they are.
struct KeycloakUser
{
    QString id;
    QString username;
    QString email;
    QString firstName;
    QString lastName;
    bool enabled = true;
    bool emailVerified = false;
    QString fhirUser;
    QStringList requiredActions; // VERIFY_EMAIL, UPDATE_PASSWORD, CONFIGURE_TOTP, …

    // A Patient, Practitioner, RelatedPerson or Person reference ("Patient/123").
    static bool isFhirUserReference(const QString &reference);
    static const QStringList &knownRequiredActions();

    std::optional<Error> validate() const;
    // Writes this user's fields into a UserRepresentation, keeping the rest.
    void applyTo(QJsonObject &representation) const;
    static Result<KeycloakUser> fromRepresentation(const QJsonObject &representation);
    QJsonObject toJson() const;
};

} // namespace ProxySmart

Q_DECLARE_METATYPE(ProxySmart::KeycloakUser)
