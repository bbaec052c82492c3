#pragma once

#include "keycloak/KeycloakCredentials.h"
#include "keycloak/KeycloakError.h"
#include "keycloak/KeycloakJob.h"
#include "keycloak/KeycloakTokens.h"

#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace ProxySmart {

class Clock;

// A connection to one Keycloak server and one realm to administer: the base
// URL, how to sign in, the current tokens and a network manager. Tokens are
// obtained on first use and refreshed (or obtained again) shortly before
// they expire; a token Keycloak refuses is replaced once. Not thread-safe:
// use it from the thread that owns it.
class KeycloakSession : public QObject
{
    Q_OBJECT

public:
    KeycloakSession(const QUrl &baseUrl, const QString &realm, QObject *parent = nullptr);
    ~KeycloakSession() override;

    QUrl baseUrl() const { return m_baseUrl; }
    QString realm() const { return m_realm; }
    void setCredentials(const KeycloakCredentials &credentials);
    const KeycloakCredentials &credentials() const { return m_credentials; }
    // Tokens obtained elsewhere (the browser sign-in); refreshed with
    // `clientId` of `authRealm`.
    void setTokens(const KeycloakTokens &tokens, const QString &authRealm, const QString &clientId);
    void setClock(const Clock *clock);
    void setTimeoutMs(int timeoutMs) { m_timeoutMs = timeoutMs; }
    int timeoutMs() const { return m_timeoutMs; }
    QNetworkAccessManager *network() { return &m_network; }

    // {base}/admin/realms/{realm}{path}; path starts with '/' or is empty.
    QUrl adminUrl(const QString &path = {}) const;
    // {base}/admin/realms{path}, for realm-level calls such as creating one.
    QUrl realmsAdminUrl(const QString &path = {}) const;
    // {base}/realms/{realm}/protocol/openid-connect{path}
    QUrl openIdUrl(const QString &realm, const QString &path) const;

    bool hasValidToken() const;
    qint64 tokenExpiresAt() const { return m_tokens.accessExpiresAt; }
    // Signs in (or refreshes) if there is no token valid for a while yet,
    // then calls `next` unless `context` was destroyed meanwhile.
    void withToken(QObject *context,
                   std::function<void(const std::optional<KeycloakError> &error)> next);
    void invalidateToken();
    void signOut();
    // A job that signs in now; to test the connection and credentials.
    std::unique_ptr<KeycloakJob> signIn();

    QNetworkRequest authorizedRequest(const QUrl &url) const;
    // Sends the undo requests one after another, logging failures, then
    // calls `done` unless `context` was destroyed.
    void runUndo(QList<KeycloakUndo> undo, QObject *context = nullptr,
                 std::function<void()> done = {});

signals:
    void signedIn();
    void signInFailed(const ProxySmart::KeycloakError &error);

private:
    struct Waiter
    {
        QPointer<QObject> context;
        bool hasContext = false;
        std::function<void(const std::optional<KeycloakError> &)> next;
    };
    void requestToken();
    void runUndoSteps(QList<KeycloakUndo> undo, QPointer<QObject> guard, bool hasContext,
                      std::function<void()> done);
    void finishWaiters(const std::optional<KeycloakError> &error);
    qint64 now() const;

    QUrl m_baseUrl;
    QString m_realm;
    KeycloakCredentials m_credentials;
    QString m_refreshRealm;
    QString m_refreshClientId;
    KeycloakTokens m_tokens;
    const Clock *m_clock = nullptr;
    int m_timeoutMs = 30000;
    QNetworkAccessManager m_network;
    QPointer<QNetworkReply> m_tokenReply;
    QList<Waiter> m_waiters;
};

} // namespace ProxySmart
