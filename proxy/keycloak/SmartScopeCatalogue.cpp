#include "keycloak/SmartScopeCatalogue.h"

#include <QJsonArray>

namespace ProxySmart::SmartScopeCatalogue {

const QStringList &resourceTypes()
{
    static const QStringList types {
        QStringLiteral("Patient"),
        QStringLiteral("Observation"),
        QStringLiteral("Condition"),
        QStringLiteral("Encounter"),
        QStringLiteral("MedicationRequest"),
        QStringLiteral("Practitioner"),
        QStringLiteral("CareTeam"),
        QStringLiteral("Consent"),
        QStringLiteral("AllergyIntolerance"),
        QStringLiteral("Immunization"),
    };
    return types;
}

QStringList scopes()
{
    QStringList list {QStringLiteral("launch"), QStringLiteral("launch/patient"),
                      QStringLiteral("launch/encounter"), QStringLiteral("fhirUser"),
                      QStringLiteral("online_access")};
    for (const QString &context :
         {QStringLiteral("patient"), QStringLiteral("user"), QStringLiteral("system")}) {
        // v1 read/write/all, v2 read+search and everything.
        for (const QString &suffix :
             {QStringLiteral("*.read"), QStringLiteral("*.write"), QStringLiteral("*.*"),
              QStringLiteral("*.rs"), QStringLiteral("*.cruds")})
            list << context + u'/' + suffix;
    }
    for (const QString &context : {QStringLiteral("patient"), QStringLiteral("user")}) {
        for (const QString &type : resourceTypes()) {
            list << context + u'/' + type + QStringLiteral(".read");
            list << context + u'/' + type + QStringLiteral(".rs");
        }
    }
    return list;
}

QStringList userScopes()
{
    QStringList list;
    for (const QString &scope : scopes()) {
        if (!scope.startsWith(u"system/"))
            list << scope;
    }
    return list;
}

QStringList systemScopes()
{
    QStringList list;
    for (const QString &scope : scopes()) {
        if (scope.startsWith(u"system/"))
            list << scope;
    }
    return list;
}

bool contains(const QString &scope)
{
    return scopes().contains(scope);
}

QJsonObject fhirUserMapper()
{
    return QJsonObject {
        {QStringLiteral("name"), QStringLiteral("fhirUser")},
        {QStringLiteral("protocol"), QStringLiteral("openid-connect")},
        {QStringLiteral("protocolMapper"), QStringLiteral("oidc-usermodel-attribute-mapper")},
        {QStringLiteral("config"),
         QJsonObject {
             {QStringLiteral("user.attribute"), QStringLiteral("fhirUser")},
             {QStringLiteral("claim.name"), QStringLiteral("fhirUser")},
             {QStringLiteral("jsonType.label"), QStringLiteral("String")},
             {QStringLiteral("id.token.claim"), QStringLiteral("true")},
             {QStringLiteral("access.token.claim"), QStringLiteral("true")},
             {QStringLiteral("userinfo.token.claim"), QStringLiteral("true")},
             {QStringLiteral("introspection.token.claim"), QStringLiteral("true")},
         }},
    };
}

QJsonObject clientScopeRepresentation(const QString &scope)
{
    QJsonObject representation {
        {QStringLiteral("name"), scope},
        {QStringLiteral("protocol"), QStringLiteral("openid-connect")},
        {QStringLiteral("attributes"),
         QJsonObject {{QStringLiteral("include.in.token.scope"), QStringLiteral("true")},
                      {QStringLiteral("display.on.consent.screen"), QStringLiteral("true")}}},
    };
    if (scope == u"fhirUser")
        representation.insert(u"protocolMappers", QJsonArray {fhirUserMapper()});
    return representation;
}

QJsonObject fhirUserProfileAttribute()
{
    return QJsonObject {
        {QStringLiteral("name"), QStringLiteral("fhirUser")},
        {QStringLiteral("displayName"), QStringLiteral("FHIR user")},
        {QStringLiteral("validations"),
         QJsonObject {{QStringLiteral("pattern"),
                       QJsonObject {{QStringLiteral("pattern"),
                                     QStringLiteral("^(Patient|Practitioner|RelatedPerson|Person)/"
                                                    "[A-Za-z0-9\\-\\.]{1,64}$")},
                                    {QStringLiteral("error-message"),
                                     QStringLiteral("fhirUser must be a Patient, Practitioner, "
                                                    "RelatedPerson or Person reference")}}}}},
        {QStringLiteral("permissions"),
         QJsonObject {
             {QStringLiteral("view"), QJsonArray {QStringLiteral("admin"), QStringLiteral("user")}},
             {QStringLiteral("edit"), QJsonArray {QStringLiteral("admin")}}}},
        {QStringLiteral("multivalued"), false},
    };
}

} // namespace ProxySmart::SmartScopeCatalogue
