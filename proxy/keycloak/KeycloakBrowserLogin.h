#pragma once

#include "keycloak/KeycloakError.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

class QTcpServer;
class QTcpSocket;
class QNetworkReply;

namespace ProxySmart {

class KeycloakSession;

// Signs a KeycloakSession in through the system browser: the authorization
// code flow with PKCE (S256) and a loopback redirect (RFC 8252). start()
// listens on 127.0.0.1 on a free port and gives the URL to open; Keycloak
// redirects the browser back to it, the state is checked, the code is
// exchanged and the session gets the tokens (and refreshes them later).
// The client must be a public client of `authRealm` that allows the
// redirect URI http://127.0.0.1/* (Keycloak then accepts any loopback port).
class KeycloakBrowserLogin : public QObject
{
    Q_OBJECT

public:
    KeycloakBrowserLogin(KeycloakSession *session, QString authRealm, QString clientId,
                         QObject *parent = nullptr);
    ~KeycloakBrowserLogin() override;

    // The URL to open in the browser; empty (and failed() emitted) if no
    // loopback port could be opened.
    QUrl start(const QString &scope = QStringLiteral("openid"));
    void cancel();
    void setTimeoutMs(int timeoutMs) { m_timeoutMs = timeoutMs; }
    QUrl redirectUri() const { return m_redirectUri; }

    // S256 of a PKCE code verifier, base64url without padding.
    static QByteArray codeChallenge(const QByteArray &verifier);

signals:
    void succeeded();
    void failed(const ProxySmart::KeycloakError &error);

private:
    void onConnection();
    void onRequest(QTcpSocket *socket);
    void answer(QTcpSocket *socket, int status, const QString &text);
    void exchange(const QString &code);
    void finishWith(const KeycloakError *error);
    void stopListening();

    QPointer<KeycloakSession> m_session;
    QString m_authRealm;
    QString m_clientId;
    QTcpServer *m_server = nullptr;
    QUrl m_redirectUri;
    QByteArray m_state;
    QByteArray m_verifier;
    QPointer<QNetworkReply> m_reply;
    QTimer m_timeout;
    int m_timeoutMs = 300000;
    bool m_done = false;
};

} // namespace ProxySmart
