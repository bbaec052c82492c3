#include "keycloak/KeycloakSession.h"

#include "core/Clock.h"
#include "keycloak/KeycloakLogging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QUrlQuery>

namespace ProxySmart {

namespace {

QString joinPath(const QUrl &base, const QString &path)
{
    QString text = base.toString(QUrl::FullyEncoded);
    while (text.endsWith(u'/'))
        text.chop(1);
    return text + path;
}

QString encoded(const QString &segment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(segment));
}

} // namespace

KeycloakSession::KeycloakSession(const QUrl &baseUrl, const QString &realm, QObject *parent)
    : QObject(parent)
    , m_baseUrl(baseUrl)
    , m_realm(realm)
{
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

KeycloakSession::~KeycloakSession()
{
    if (QNetworkReply *reply = m_tokenReply.data()) {
        reply->disconnect(this);
        reply->abort();
    }
}

void KeycloakSession::setCredentials(const KeycloakCredentials &credentials)
{
    m_credentials = credentials;
    m_tokens = {};
}

void KeycloakSession::setTokens(const KeycloakTokens &tokens, const QString &authRealm,
                                const QString &clientId)
{
    m_tokens = tokens;
    m_refreshRealm = authRealm;
    m_refreshClientId = clientId;
}

void KeycloakSession::setClock(const Clock *clock)
{
    m_clock = clock;
}

qint64 KeycloakSession::now() const
{
    return (m_clock ? *m_clock : Clock::system()).nowSecs();
}

QUrl KeycloakSession::adminUrl(const QString &path) const
{
    return QUrl(joinPath(m_baseUrl, QStringLiteral("/admin/realms/") + encoded(m_realm) + path),
                QUrl::StrictMode);
}

QUrl KeycloakSession::realmsAdminUrl(const QString &path) const
{
    return QUrl(joinPath(m_baseUrl, QStringLiteral("/admin/realms") + path), QUrl::StrictMode);
}

QUrl KeycloakSession::openIdUrl(const QString &realm, const QString &path) const
{
    return QUrl(joinPath(m_baseUrl,
                         QStringLiteral("/realms/") + encoded(realm)
                             + QStringLiteral("/protocol/openid-connect") + path),
                QUrl::StrictMode);
}

bool KeycloakSession::hasValidToken() const
{
    if (!m_tokens.hasAccessToken())
        return false;
    // Renew a little before expiry so that a request never leaves with a
    // token that expires on the way: 30 s, or a quarter of a short lifetime.
    const qint64 margin = qMin<qint64>(30, m_tokens.accessLifetime / 4);
    return now() < m_tokens.accessExpiresAt - margin;
}

void KeycloakSession::invalidateToken()
{
    m_tokens.accessToken.clear();
    m_tokens.accessExpiresAt = 0;
}

void KeycloakSession::signOut()
{
    m_tokens = {};
}

QNetworkRequest KeycloakSession::authorizedRequest(const QUrl &url) const
{
    QNetworkRequest request(url);
    request.setTransferTimeout(m_timeoutMs);
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("Authorization", "Bearer " + m_tokens.accessToken.toUtf8());
    return request;
}

void KeycloakSession::withToken(QObject *context,
                                std::function<void(const std::optional<KeycloakError> &error)> next)
{
    if (hasValidToken()) {
        next(std::nullopt);
        return;
    }
    m_waiters.append(Waiter {context, context != nullptr, std::move(next)});
    if (!m_tokenReply)
        requestToken();
}

void KeycloakSession::requestToken()
{
    QUrlQuery form;
    QString realm;
    QString clientId;
    QString clientSecret;
    const bool canRefresh = !m_tokens.refreshToken.isEmpty()
        && (m_tokens.refreshExpiresAt == 0 || now() < m_tokens.refreshExpiresAt - 5);
    const QString operation =
        QStringLiteral("signing in to Keycloak as %1")
            .arg(m_refreshClientId.isEmpty() ? m_credentials.principal()
                                             : QStringLiteral("the browser sign-in"));
    if (canRefresh) {
        realm = m_refreshRealm.isEmpty() ? m_credentials.authRealm : m_refreshRealm;
        clientId = m_refreshClientId.isEmpty() ? m_credentials.clientId : m_refreshClientId;
        clientSecret = m_refreshClientId.isEmpty() ? m_credentials.clientSecret : QString();
        form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("refresh_token"));
        form.addQueryItem(QStringLiteral("refresh_token"), m_tokens.refreshToken);
    } else if (m_credentials.kind == KeycloakCredentials::Kind::ClientCredentials) {
        realm = m_credentials.authRealm;
        clientId = m_credentials.clientId;
        clientSecret = m_credentials.clientSecret;
        form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    } else if (m_credentials.kind == KeycloakCredentials::Kind::Password) {
        realm = m_credentials.authRealm;
        clientId = m_credentials.clientId;
        clientSecret = m_credentials.clientSecret;
        form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("password"));
        form.addQueryItem(QStringLiteral("username"), m_credentials.username);
        form.addQueryItem(QStringLiteral("password"), m_credentials.password);
    } else {
        finishWaiters(
            KeycloakError::make(operation, QStringLiteral("not_signed_in"),
                                m_tokens.refreshToken.isEmpty()
                                    ? QStringLiteral("no credentials are configured")
                                    : QStringLiteral("the session has expired; sign in again")));
        return;
    }
    form.addQueryItem(QStringLiteral("client_id"), clientId);
    if (!clientSecret.isEmpty())
        form.addQueryItem(QStringLiteral("client_secret"), clientSecret);

    QNetworkRequest request(openIdUrl(realm, QStringLiteral("/token")));
    request.setTransferTimeout(m_timeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    // QUrlQuery leaves '+' alone; encode it so a password keeps its pluses.
    QByteArray body = form.toString(QUrl::FullyEncoded).toUtf8();
    body.replace('+', "%2B");
    QNetworkReply *reply = m_network.post(request, body);
    m_tokenReply = reply;
    const qint64 sentAt = now();
    connect(reply, &QNetworkReply::finished, this, [=, this] {
        reply->deleteLater();
        m_tokenReply.clear();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray answer = reply->readAll();
        if (status == 400 && canRefresh) {
            // The refresh token is no longer good (session ended, rotation):
            // sign in afresh with the credentials if there are any.
            m_tokens = {};
            if (m_credentials.kind == KeycloakCredentials::Kind::None) {
                finishWaiters(
                    KeycloakError::make(operation, QStringLiteral("not_signed_in"),
                                        QStringLiteral("the session has expired; sign in again")));
                return;
            }
            qCInfo(lcKeycloak) << "refresh refused; signing in again";
            requestToken();
            return;
        }
        if (status != 200) {
            KeycloakError error = KeycloakError::fromResponse(
                operation, status, answer,
                reply->error() != QNetworkReply::NoError ? reply->errorString() : QString());
            // Keycloak answers a wrong password with 400 or 401 invalid_grant:
            // one code for "these credentials were refused".
            const QString oauthError =
                QJsonDocument::fromJson(answer).object().value(u"error").toString();
            if (oauthError == u"invalid_grant" || oauthError == u"invalid_client"
                || oauthError == u"unauthorized_client")
                error.code = QStringLiteral("sign_in_refused");
            qCWarning(lcKeycloak).noquote() << error.message();
            emit signInFailed(error);
            finishWaiters(error);
            return;
        }
        auto tokens = KeycloakTokens::fromTokenResponse(answer, sentAt);
        if (!tokens) {
            const KeycloakError error =
                KeycloakError::make(operation, tokens.error().code, tokens.error().message);
            qCWarning(lcKeycloak).noquote() << error.message();
            emit signInFailed(error);
            finishWaiters(error);
            return;
        }
        m_tokens = tokens.value();
        qCInfo(lcKeycloak).noquote()
            << (canRefresh ? QStringLiteral("token refreshed for")
                           : QStringLiteral("signed in to Keycloak as"))
            << (m_refreshClientId.isEmpty() ? m_credentials.principal()
                                            : QStringLiteral("the browser sign-in"))
            << QStringLiteral("(token valid %1 s)").arg(m_tokens.accessLifetime);
        if (!canRefresh)
            emit signedIn();
        finishWaiters(std::nullopt);
    });
}

void KeycloakSession::finishWaiters(const std::optional<KeycloakError> &error)
{
    const QList<Waiter> waiters = std::exchange(m_waiters, {});
    for (const Waiter &waiter : waiters) {
        if (waiter.hasContext && !waiter.context)
            continue;
        waiter.next(error);
    }
}

std::unique_ptr<KeycloakJob> KeycloakSession::signIn()
{
    const QString operation =
        QStringLiteral("signing in to Keycloak as %1").arg(m_credentials.principal());
    return std::make_unique<KeycloakJob>(this, operation, [](KeycloakJob &job) {
        job.session()->withToken(&job, [&job](const std::optional<KeycloakError> &error) {
            if (error)
                job.fail(*error);
            else
                job.succeed();
        });
    });
}

void KeycloakSession::runUndo(QList<KeycloakUndo> undo, QObject *context,
                              std::function<void()> done)
{
    runUndoSteps(std::move(undo), QPointer<QObject>(context), context != nullptr, std::move(done));
}

void KeycloakSession::runUndoSteps(QList<KeycloakUndo> undo, QPointer<QObject> guard,
                                   bool hasContext, std::function<void()> done)
{
    if (undo.isEmpty()) {
        if (done && (!hasContext || guard))
            done();
        return;
    }
    const KeycloakUndo step = undo.takeFirst();
    withToken(this, [=, this](const std::optional<KeycloakError> &error) {
        if (error) {
            qCWarning(lcKeycloak).noquote()
                << "could not remove" << step.what << "after a failure:" << error->message();
            runUndoSteps(undo, guard, hasContext, done);
            return;
        }
        QNetworkRequest request = authorizedRequest(step.url);
        if (!step.body.isEmpty())
            request.setHeader(QNetworkRequest::ContentTypeHeader,
                              QByteArrayLiteral("application/json"));
        QNetworkReply *reply = m_network.sendCustomRequest(request, step.verb, step.body);
        connect(reply, &QNetworkReply::finished, this, [=, this] {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status >= 200 && status < 300)
                qCInfo(lcKeycloak).noquote() << "removed" << step.what << "after a failure";
            else
                qCWarning(lcKeycloak).noquote()
                    << "could not remove" << step.what << "after a failure: HTTP" << status;
            runUndoSteps(undo, guard, hasContext, done);
        });
    });
}

} // namespace ProxySmart
