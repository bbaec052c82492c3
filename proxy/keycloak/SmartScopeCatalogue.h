#pragma once

#include <QJsonObject>
#include <QStringList>

namespace ProxySmart {

// The SMART scopes a realm offers as Keycloak client scopes: launch and
// identity scopes, v1 and v2 wildcards for patient/, user/ and system/, and
// per-type scopes for common resource types. Keycloak's own `openid` and
// `offline_access` are not part of it.
namespace SmartScopeCatalogue {

const QStringList &resourceTypes();
// Every scope of the catalogue, in a stable order.
QStringList scopes();
// The scopes an app acting for a user or patient may be offered (no system/).
QStringList userScopes();
// The scopes of a backend service (system/ only).
QStringList systemScopes();
bool contains(const QString &scope);

// The ClientScopeRepresentation for creating `scope`; the fhirUser scope
// carries the fhirUser mapper.
QJsonObject clientScopeRepresentation(const QString &scope);
// The user-attribute mapper that puts the user's fhirUser in tokens.
QJsonObject fhirUserMapper();
// The user-profile attribute Keycloak 24+ needs before it keeps fhirUser.
QJsonObject fhirUserProfileAttribute();

} // namespace SmartScopeCatalogue

} // namespace ProxySmart
