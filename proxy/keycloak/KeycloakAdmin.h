#pragma once

#include "keycloak/IdentityProvider.h"
#include "keycloak/KeycloakJob.h"
#include "keycloak/KeycloakUser.h"
#include "keycloak/SmartApp.h"

#include <QMetaType>
#include <QStringList>

#include <memory>

namespace ProxySmart {

class KeycloakSession;

// What `setupRealm` found and did, one line per item.
struct SetupReport
{
    struct Item
    {
        QString what; // "client scope 'launch'"
        bool created = false;
    };
    QList<Item> items;
    QString gatewaySecret; // the gateway client's secret when it was just created

    int createdCount() const;
};

struct SetupOptions
{
    QString gatewayClientId = QStringLiteral("proxy-smart-gateway");
    QStringList gatewayRedirectUris;
    bool createRealm = true;
};

// The Keycloak administration the GUI, the gateway and proxy-smartd share:
// every operation returns a job (not started) whose result() holds the
// value named in its comment. Operations that take several calls remove
// what they created when a later call fails.
class KeycloakAdmin
{
public:
    explicit KeycloakAdmin(KeycloakSession *session);

    using Job = std::unique_ptr<KeycloakJob>;

    // --- SMART apps (clients) ---------------------------------------------
    Job listApps(); // QList<SmartApp>, without Keycloak's own clients; no scopes
    Job app(const QString &clientId); // SmartApp with its scopes
    Job registerApp(const SmartApp &app); // SmartApp as registered (secret if confidential)
    Job updateApp(const SmartApp &app); // SmartApp as updated; found by clientId
    Job deleteApp(const QString &clientId);
    Job rotateSecret(const QString &clientId); // QString: the new secret

    // --- SMART scopes (client scopes) ---------------------------------------
    Job listScopes(); // QStringList of the realm's client scope names
    Job ensureScopeCatalogue(); // SetupReport for the catalogue and the fhirUser mapper

    // --- Users --------------------------------------------------------------
    Job searchUsers(const QString &query, int max = 100); // QList<KeycloakUser>
    Job user(const QString &username); // KeycloakUser
    // KeycloakUser; `password` empty: none set. Removed again if setting the
    // password fails.
    Job createUser(const KeycloakUser &user, const QString &password = {},
                   bool temporaryPassword = true);
    Job updateUser(const KeycloakUser &user); // KeycloakUser; found by username
    Job setUserEnabled(const QString &username, bool enabled); // KeycloakUser
    Job resetPassword(const QString &username, const QString &password, bool temporary);
    Job setRequiredActions(const QString &username, const QStringList &actions); // KeycloakUser
    Job linkFhirUser(const QString &username, const QString &reference); // KeycloakUser
    Job deleteUser(const QString &username);

    // --- Identity providers ---------------------------------------------------
    Job listIdentityProviders(); // QList<IdentityProvider>
    Job identityProvider(const QString &alias); // IdentityProvider
    Job createIdentityProvider(const IdentityProvider &provider);
    Job updateIdentityProvider(const IdentityProvider &provider);
    Job deleteIdentityProvider(const QString &alias);
    Job listIdentityProviderMappers(const QString &alias); // QList<IdentityProviderMapper>
    Job addIdentityProviderMapper(const IdentityProviderMapper &mapper); // IdentityProviderMapper
    Job deleteIdentityProviderMapper(const QString &alias, const QString &mapperId);

    // --- Realm ------------------------------------------------------------------
    Job tokenSettings(); // RealmTokenSettings
    Job setTokenSettings(const RealmTokenSettings &settings);
    // Prepares the realm for SMART; idempotent. SetupReport.
    Job setupRealm(const SetupOptions &options = {});

    // Keycloak's own clients, left out of listApps(): those of every realm,
    // and in master the "<realm>-realm" client of each realm.
    static bool isBuiltInClient(const QString &clientId, const QString &realm);

private:
    Job makeJob(const QString &operation, KeycloakJob::Body body);

    KeycloakSession *m_session;
};

} // namespace ProxySmart

Q_DECLARE_METATYPE(ProxySmart::SetupReport)
