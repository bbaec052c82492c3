#include "keycloak/KeycloakJob.h"

#include "keycloak/KeycloakLogging.h"
#include "keycloak/KeycloakSession.h"

#include <QEventLoop>
#include <QNetworkReply>
#include <QTimer>

namespace ProxySmart {

QString KeycloakResponse::createdId() const
{
    const qsizetype slash = location.lastIndexOf(u'/');
    return slash < 0 ? QString() : location.mid(slash + 1);
}

KeycloakJob::KeycloakJob(KeycloakSession *session, QString operation, Body body, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_operation(std::move(operation))
    , m_body(std::move(body))
{ }

KeycloakJob::~KeycloakJob()
{
    if (m_state == State::Running) {
        abortReply();
        if (m_session && !m_undo.isEmpty())
            m_session->runUndo(m_undo);
    }
}

void KeycloakJob::start()
{
    if (m_state != State::Ready)
        return;
    m_state = State::Running;
    if (!m_session) {
        fail(QStringLiteral("no_session"), QStringLiteral("the Keycloak session is gone"));
        return;
    }
    m_body(*this);
}

void KeycloakJob::cancel()
{
    if (m_state != State::Running)
        return;
    abortReply();
    if (m_session && !m_undo.isEmpty())
        m_session->runUndo(std::exchange(m_undo, {}));
    m_state = State::Failed;
    m_error =
        KeycloakError::make(m_operation, QStringLiteral("cancelled"), QStringLiteral("cancelled"));
    emit failed(m_error);
}

bool KeycloakJob::runSynchronously(int timeoutMs)
{
    if (m_state == State::Ready)
        start();
    if (!isDone()) {
        QEventLoop loop;
        connect(this, &KeycloakJob::finished, &loop, &QEventLoop::quit);
        connect(this, &KeycloakJob::failed, &loop, &QEventLoop::quit);
        QTimer timer;
        timer.setSingleShot(true);
        connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        timer.start(timeoutMs);
        loop.exec();
        if (!isDone()) {
            abortReply();
            if (m_session && !m_undo.isEmpty())
                m_session->runUndo(std::exchange(m_undo, {}));
            m_state = State::Failed;
            m_error = KeycloakError::make(
                m_operation, QStringLiteral("timeout"),
                QStringLiteral("no answer within %1 seconds").arg(timeoutMs / 1000));
            emit failed(m_error);
        }
    }
    return m_state == State::Succeeded;
}

void KeycloakJob::call(const QByteArray &verb, const QUrl &url, Handler onSuccess)
{
    send(verb, url, {}, false, std::move(onSuccess), true);
}

void KeycloakJob::call(const QByteArray &verb, const QUrl &url, const QJsonObject &body,
                       Handler onSuccess)
{
    send(verb, url, QJsonDocument(body).toJson(QJsonDocument::Compact), true, std::move(onSuccess),
         true);
}

void KeycloakJob::call(const QByteArray &verb, const QUrl &url, const QJsonArray &body,
                       Handler onSuccess)
{
    send(verb, url, QJsonDocument(body).toJson(QJsonDocument::Compact), true, std::move(onSuccess),
         true);
}

void KeycloakJob::request(const QByteArray &verb, const QUrl &url, const QByteArray &body,
                          Handler onAnswer)
{
    send(verb, url, body, !body.isEmpty(), std::move(onAnswer), false);
}

void KeycloakJob::send(const QByteArray &verb, const QUrl &url, const QByteArray &body,
                       bool hasBody, Handler handler, bool failOnError, bool retried)
{
    if (m_state != State::Running)
        return;
    if (!m_session) {
        fail(QStringLiteral("no_session"), QStringLiteral("the Keycloak session is gone"));
        return;
    }
    m_session->withToken(this, [=, this](const std::optional<KeycloakError> &tokenError) {
        if (m_state != State::Running)
            return;
        if (tokenError) {
            KeycloakError error = *tokenError;
            error.operation =
                m_operation + QStringLiteral(" (") + error.operation + QStringLiteral(")");
            fail(error);
            return;
        }
        if (!m_session) {
            fail(QStringLiteral("no_session"), QStringLiteral("the Keycloak session is gone"));
            return;
        }
        QNetworkRequest request = m_session->authorizedRequest(url);
        if (hasBody)
            request.setHeader(QNetworkRequest::ContentTypeHeader,
                              QByteArrayLiteral("application/json"));
        QNetworkReply *reply =
            m_session->network()->sendCustomRequest(request, verb, hasBody ? body : QByteArray());
        m_reply = reply;
        connect(reply, &QNetworkReply::finished, this, [=, this] {
            reply->deleteLater();
            if (m_reply == reply)
                m_reply.clear();
            if (m_state != State::Running)
                return;
            KeycloakResponse response;
            response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            response.body = reply->readAll();
            response.location = QString::fromUtf8(reply->rawHeader("Location"));
            if (reply->error() != QNetworkReply::NoError)
                response.networkError = reply->errorString();
            qCDebug(lcKeycloak) << verb << url.path() << "->" << response.status;
            if (response.status == 401 && !retried) {
                // The token was revoked or the server restarted: sign in once more.
                m_session->invalidateToken();
                send(verb, url, body, hasBody, handler, failOnError, true);
                return;
            }
            if (response.status == 0) {
                failFromResponse(response);
                return;
            }
            if (failOnError && !response.ok()) {
                failFromResponse(response);
                return;
            }
            handler(response);
        });
    });
}

bool KeycloakJob::readObject(const KeycloakResponse &response, QJsonObject *object)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        fail(QStringLiteral("malformed_response"),
             QStringLiteral("Keycloak's answer is not a JSON object"));
        return false;
    }
    *object = document.object();
    return true;
}

bool KeycloakJob::readArray(const KeycloakResponse &response, QJsonArray *array)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isArray()) {
        fail(QStringLiteral("malformed_response"),
             QStringLiteral("Keycloak's answer is not a JSON array"));
        return false;
    }
    *array = document.array();
    return true;
}

void KeycloakJob::addUndo(KeycloakUndo undo)
{
    m_undo.prepend(std::move(undo)); // undone in reverse order
}

void KeycloakJob::succeed(const QVariant &result)
{
    if (m_state != State::Running)
        return;
    m_undo.clear();
    m_result = result;
    m_state = State::Succeeded;
    qCDebug(lcKeycloak) << "done:" << m_operation;
    emit finished();
}

void KeycloakJob::fail(const KeycloakError &error)
{
    if (m_state != State::Running)
        return;
    m_error = error;
    if (m_error.operation.isEmpty())
        m_error.operation = m_operation;
    qCWarning(lcKeycloak).noquote() << m_error.message();
    const QList<KeycloakUndo> undo = std::exchange(m_undo, {});
    if (undo.isEmpty() || !m_session) {
        m_state = State::Failed;
        emit failed(m_error);
        return;
    }
    // Stay Running while what was created is removed, then report the
    // original failure.
    abortReply();
    m_session->runUndo(undo, this, [this] {
        if (m_state != State::Running)
            return; // cancelled meanwhile
        m_state = State::Failed;
        emit failed(m_error);
    });
}

void KeycloakJob::fail(const QString &code, const QString &reason)
{
    fail(KeycloakError::make(m_operation, code, reason));
}

void KeycloakJob::failFromResponse(const KeycloakResponse &response)
{
    fail(KeycloakError::fromResponse(m_operation, response.status, response.body,
                                     response.networkError));
}

void KeycloakJob::abortReply()
{
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply.clear();
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

} // namespace ProxySmart
