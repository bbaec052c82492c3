#include "keycloak/KeycloakUser.h"

#include "keycloak/RepresentationReader.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace ProxySmart {

bool KeycloakUser::isFhirUserReference(const QString &reference)
{
    static const QRegularExpression pattern(
        QStringLiteral("^(Patient|Practitioner|RelatedPerson|Person)/[A-Za-z0-9\\-.]{1,64}$"));
    return pattern.match(reference).hasMatch();
}

const QStringList &KeycloakUser::knownRequiredActions()
{
    static const QStringList actions {
        QStringLiteral("VERIFY_EMAIL"),         QStringLiteral("UPDATE_PASSWORD"),
        QStringLiteral("UPDATE_PROFILE"),       QStringLiteral("CONFIGURE_TOTP"),
        QStringLiteral("TERMS_AND_CONDITIONS"), QStringLiteral("webauthn-register"),
    };
    return actions;
}

std::optional<Error> KeycloakUser::validate() const
{
    static const QRegularExpression usernamePattern(QStringLiteral("^[A-Za-z0-9._@+-]{3,255}$"));
    if (!usernamePattern.match(username).hasMatch())
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("the user name \"%1\" is not valid").arg(username)};
    if (!fhirUser.isEmpty() && !isFhirUserReference(fhirUser))
        return Error {QStringLiteral("invalid_argument"),
                      QStringLiteral("fhirUser \"%1\" is not a Patient, Practitioner, "
                                     "RelatedPerson or Person reference such as Patient/123")
                          .arg(fhirUser)};
    for (const QString &action : requiredActions) {
        if (!knownRequiredActions().contains(action))
            return Error {QStringLiteral("invalid_argument"),
                          QStringLiteral("\"%1\" is not a required action (%2)")
                              .arg(action, knownRequiredActions().join(QStringLiteral(", ")))};
    }
    return std::nullopt;
}

void KeycloakUser::applyTo(QJsonObject &representation) const
{
    representation.insert(u"username", username);
    representation.insert(u"email", email);
    representation.insert(u"firstName", firstName);
    representation.insert(u"lastName", lastName);
    representation.insert(u"enabled", enabled);
    representation.insert(u"emailVerified", emailVerified);
    representation.insert(u"requiredActions", QJsonArray::fromStringList(requiredActions));
    QJsonObject attributes = representation.value(u"attributes").toObject();
    if (fhirUser.isEmpty())
        attributes.remove(u"fhirUser");
    else
        attributes.insert(u"fhirUser", QJsonArray {fhirUser});
    representation.insert(u"attributes", attributes);
}

Result<KeycloakUser> KeycloakUser::fromRepresentation(const QJsonObject &representation)
{
    RepresentationReader reader(representation, QStringLiteral("a user"));
    KeycloakUser user;
    user.id = reader.requiredString(u"id");
    user.username = reader.requiredString(u"username");
    user.email = reader.string(u"email");
    user.firstName = reader.string(u"firstName");
    user.lastName = reader.string(u"lastName");
    user.enabled = reader.boolean(u"enabled", true);
    user.emailVerified = reader.boolean(u"emailVerified");
    user.requiredActions = reader.stringList(u"requiredActions");
    user.fhirUser = reader.firstAttribute(u"fhirUser");
    if (!reader.ok())
        return reader.error();
    return user;
}

QJsonObject KeycloakUser::toJson() const
{
    QJsonObject json {
        {QStringLiteral("id"), id},
        {QStringLiteral("username"), username},
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("emailVerified"), emailVerified},
        {QStringLiteral("requiredActions"), QJsonArray::fromStringList(requiredActions)},
    };
    json.insert(u"fhirUser", fhirUser.isEmpty() ? QJsonValue() : QJsonValue(fhirUser));
    if (!email.isEmpty())
        json.insert(u"email", email);
    if (!firstName.isEmpty())
        json.insert(u"firstName", firstName);
    if (!lastName.isEmpty())
        json.insert(u"lastName", lastName);
    return json;
}

} // namespace ProxySmart
