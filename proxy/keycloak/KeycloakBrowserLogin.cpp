#include "keycloak/KeycloakBrowserLogin.h"

#include "keycloak/KeycloakLogging.h"
#include "keycloak/KeycloakSession.h"
#include "keycloak/KeycloakTokens.h"

#include <QCryptographicHash>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

namespace ProxySmart {

namespace {

constexpr qsizetype kMaxRequestSize = 16 * 1024;

QByteArray randomToken()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QString operationName()
{
    return QStringLiteral("signing in to Keycloak in the browser");
}

} // namespace

KeycloakBrowserLogin::KeycloakBrowserLogin(KeycloakSession *session, QString authRealm,
                                           QString clientId, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_authRealm(std::move(authRealm))
    , m_clientId(std::move(clientId))
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        const KeycloakError error =
            KeycloakError::make(operationName(), QStringLiteral("timeout"),
                                QStringLiteral("the browser did not come back in time"));
        finishWith(&error);
    });
}

KeycloakBrowserLogin::~KeycloakBrowserLogin()
{
    m_done = true;
    if (QNetworkReply *reply = m_reply.data()) {
        reply->disconnect(this);
        reply->abort();
    }
}

QByteArray KeycloakBrowserLogin::codeChallenge(const QByteArray &verifier)
{
    return QCryptographicHash::hash(verifier, QCryptographicHash::Sha256)
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QUrl KeycloakBrowserLogin::start(const QString &scope)
{
    m_done = false;
    stopListening();
    m_server = new QTcpServer(this);
    if (!m_server || !m_session || !m_server->listen(QHostAddress::LocalHost, 0)) {
        const KeycloakError error = KeycloakError::make(
            operationName(), QStringLiteral("loopback_unavailable"),
            QStringLiteral("cannot listen on 127.0.0.1 for the browser's redirect"));
        finishWith(&error);
        return {};
    }
    connect(m_server, &QTcpServer::newConnection, this, &KeycloakBrowserLogin::onConnection);
    m_redirectUri =
        QUrl(QStringLiteral("http://127.0.0.1:%1/callback").arg(m_server->serverPort()));
    m_state = randomToken();
    m_verifier = randomToken(); // 43 characters of base64url: RFC 7636's minimum entropy
    QUrl url = m_session->openIdUrl(m_authRealm, QStringLiteral("/auth"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("response_type"), QStringLiteral("code"));
    query.addQueryItem(QStringLiteral("client_id"), m_clientId);
    query.addQueryItem(QStringLiteral("redirect_uri"), m_redirectUri.toString());
    query.addQueryItem(QStringLiteral("scope"), scope);
    query.addQueryItem(QStringLiteral("state"), QString::fromLatin1(m_state));
    query.addQueryItem(QStringLiteral("code_challenge"),
                       QString::fromLatin1(codeChallenge(m_verifier)));
    query.addQueryItem(QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
    url.setQuery(query);
    m_timeout.start(m_timeoutMs);
    qCInfo(lcKeycloak) << "browser sign-in waiting on" << m_redirectUri.toString();
    return url;
}

void KeycloakBrowserLogin::cancel()
{
    const KeycloakError error = KeycloakError::make(operationName(), QStringLiteral("cancelled"),
                                                    QStringLiteral("cancelled"));
    finishWith(&error);
}

void KeycloakBrowserLogin::onConnection()
{
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket *socket = m_server->nextPendingConnection();
        socket->setParent(this); // outlives the listener until its answer is out
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onRequest(socket); });
    }
}

void KeycloakBrowserLogin::onRequest(QTcpSocket *socket)
{
    QByteArray buffered = socket->property("proxysmart.request").toByteArray() + socket->readAll();
    if (buffered.size() > kMaxRequestSize) {
        answer(socket, 431, QStringLiteral("Request too large."));
        return;
    }
    if (!buffered.contains("\r\n\r\n")) {
        socket->setProperty("proxysmart.request", buffered);
        return;
    }
    const QList<QByteArray> requestLine = buffered.left(buffered.indexOf("\r\n")).split(' ');
    if (requestLine.size() != 3 || requestLine.at(0) != "GET") {
        answer(socket, 405, QStringLiteral("Only GET is expected here."));
        return;
    }
    const QUrl target(QString::fromLatin1(requestLine.at(1)));
    if (target.path() != u"/callback") {
        answer(socket, 404, QStringLiteral("Not found."));
        return;
    }
    if (m_done) {
        answer(socket, 410, QStringLiteral("This sign-in is over; you can close this window."));
        return;
    }
    const QUrlQuery query(target);
    // The state proves that the answer belongs to the request we made.
    if (query.queryItemValue(QStringLiteral("state")).toLatin1() != m_state) {
        answer(socket, 400, QStringLiteral("The sign-in answer does not match the request."));
        const KeycloakError error = KeycloakError::make(
            operationName(), QStringLiteral("state_mismatch"),
            QStringLiteral("the browser came back with a state that was not ours"));
        finishWith(&error);
        return;
    }
    if (query.hasQueryItem(QStringLiteral("error"))) {
        const QString reason = query.hasQueryItem(QStringLiteral("error_description"))
            ? query.queryItemValue(QStringLiteral("error_description"), QUrl::FullyDecoded)
            : query.queryItemValue(QStringLiteral("error"), QUrl::FullyDecoded);
        answer(socket, 200, QStringLiteral("Sign-in failed. You can close this window."));
        const KeycloakError error = KeycloakError::make(
            operationName(), QStringLiteral("sign_in_refused"), reason.left(300));
        finishWith(&error);
        return;
    }
    const QString code = query.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded);
    if (code.isEmpty()) {
        answer(socket, 400, QStringLiteral("The sign-in answer has no code."));
        return;
    }
    answer(socket, 200, QStringLiteral("Signed in to Proxy Smart. You can close this window."));
    stopListening();
    exchange(code);
}

void KeycloakBrowserLogin::answer(QTcpSocket *socket, int status, const QString &text)
{
    const QByteArray body = "<!doctype html><meta charset=utf-8><title>Proxy Smart</title><p>"
        + text.toHtmlEscaped().toUtf8() + "</p>\n";
    const QByteArray reason = status == 200 ? "OK" : "Error";
    socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
                  + "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
                    "Connection: close\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    socket->disconnectFromHost();
}

void KeycloakBrowserLogin::exchange(const QString &code)
{
    if (!m_session) {
        const KeycloakError error =
            KeycloakError::make(operationName(), QStringLiteral("no_session"),
                                QStringLiteral("the Keycloak session is gone"));
        finishWith(&error);
        return;
    }
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("authorization_code"));
    form.addQueryItem(QStringLiteral("code"), code);
    form.addQueryItem(QStringLiteral("redirect_uri"), m_redirectUri.toString());
    form.addQueryItem(QStringLiteral("client_id"), m_clientId);
    form.addQueryItem(QStringLiteral("code_verifier"), QString::fromLatin1(m_verifier));
    QNetworkRequest request(m_session->openIdUrl(m_authRealm, QStringLiteral("/token")));
    request.setTransferTimeout(m_session->timeoutMs());
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QByteArray body = form.toString(QUrl::FullyEncoded).toUtf8();
    body.replace('+', "%2B");
    QNetworkReply *reply = m_session->network()->post(request, body);
    m_reply = reply;
    const qint64 sentAt = QDateTime::currentSecsSinceEpoch();
    connect(reply, &QNetworkReply::finished, this, [this, reply, sentAt] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray answerBody = reply->readAll();
        if (status != 200) {
            const KeycloakError error = KeycloakError::fromResponse(
                operationName(), status, answerBody,
                reply->error() != QNetworkReply::NoError ? reply->errorString() : QString());
            finishWith(&error);
            return;
        }
        const auto tokens = KeycloakTokens::fromTokenResponse(answerBody, sentAt);
        if (!tokens) {
            const KeycloakError error =
                KeycloakError::make(operationName(), tokens.error().code, tokens.error().message);
            finishWith(&error);
            return;
        }
        if (m_session)
            m_session->setTokens(tokens.value(), m_authRealm, m_clientId);
        finishWith(nullptr);
    });
}

void KeycloakBrowserLogin::finishWith(const KeycloakError *error)
{
    if (m_done)
        return;
    m_done = true;
    m_timeout.stop();
    stopListening();
    if (QNetworkReply *reply = m_reply.data(); reply && reply->isRunning()) {
        reply->disconnect(this);
        reply->abort();
    }
    if (error) {
        qCWarning(lcKeycloak).noquote() << error->message();
        emit failed(*error);
    } else {
        qCInfo(lcKeycloak) << "signed in to Keycloak in the browser";
        emit succeeded();
    }
}

void KeycloakBrowserLogin::stopListening()
{
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
    }
}

} // namespace ProxySmart
