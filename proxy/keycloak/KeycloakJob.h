#pragma once

#include "keycloak/KeycloakError.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariant>

#include <functional>
#include <memory>

class QNetworkReply;

namespace ProxySmart {

class KeycloakSession;

// One HTTP answer from Keycloak.
struct KeycloakResponse
{
    int status = 0;
    QByteArray body;
    QString location; // the Location header of a 201
    QString networkError;

    bool ok() const { return status >= 200 && status < 300; }
    // The id at the end of a 201's Location header; empty if there is none.
    QString createdId() const;
};

// One undo step of a multi-step operation: the request that removes what an
// earlier step created.
struct KeycloakUndo
{
    QByteArray verb;
    QUrl url;
    QString what; // "the client 'x'", for the log
    QByteArray body = {}; // JSON, for restoring an earlier representation
};

// An asynchronous Keycloak operation (one or several Admin REST calls).
// Connect to finished()/failed(), then start(); or call runSynchronously()
// from a command-line tool. Exactly one of the two signals is emitted, once.
// cancel() aborts the request in flight and emits failed() with code
// "cancelled"; destroying a running job cancels it silently. When an
// operation fails or is cancelled half-way, what it created is removed
// (undo steps) before failed() is emitted.
class KeycloakJob : public QObject
{
    Q_OBJECT

public:
    enum class State { Ready, Running, Succeeded, Failed };
    using Body = std::function<void(KeycloakJob &job)>;
    using Handler = std::function<void(const KeycloakResponse &response)>;

    KeycloakJob(KeycloakSession *session, QString operation, Body body, QObject *parent = nullptr);
    ~KeycloakJob() override;

    void start();
    void cancel();
    // Starts the job if needed and runs a local event loop until it is done;
    // true when it succeeded. A job still running after `timeoutMs` is
    // cancelled and fails with code "timeout".
    bool runSynchronously(int timeoutMs = 120000);

    State state() const { return m_state; }
    bool isDone() const { return m_state == State::Succeeded || m_state == State::Failed; }
    QString operation() const { return m_operation; }
    const KeycloakError &error() const { return m_error; }
    QVariant result() const { return m_result; }
    template<typename T> T resultAs() const { return m_result.value<T>(); }

    // --- For the operation's body ------------------------------------------
    KeycloakSession *session() const { return m_session; }
    // Sends a request with the session's bearer token; a non-2xx answer fails
    // the job with Keycloak's message, a 2xx calls `onSuccess`.
    void call(const QByteArray &verb, const QUrl &url, Handler onSuccess);
    void call(const QByteArray &verb, const QUrl &url, const QJsonObject &body, Handler onSuccess);
    void call(const QByteArray &verb, const QUrl &url, const QJsonArray &body, Handler onSuccess);
    // Like call() but hands every answer, success or not, to `onAnswer`;
    // only a transport failure (no HTTP status) fails the job.
    void request(const QByteArray &verb, const QUrl &url, const QByteArray &body, Handler onAnswer);
    // Reads a 2xx answer as JSON of the expected shape; on anything else the
    // job fails with code "malformed_response" and the return is false.
    bool readObject(const KeycloakResponse &response, QJsonObject *object);
    bool readArray(const KeycloakResponse &response, QJsonArray *array);

    void addUndo(KeycloakUndo undo);
    void succeed(const QVariant &result = {});
    void fail(const KeycloakError &error);
    void fail(const QString &code, const QString &reason);
    void failFromResponse(const KeycloakResponse &response);

signals:
    void finished();
    void failed(const ProxySmart::KeycloakError &error);

private:
    void send(const QByteArray &verb, const QUrl &url, const QByteArray &body, bool hasBody,
              Handler handler, bool failOnError, bool retried = false);
    void abortReply();

    QPointer<KeycloakSession> m_session;
    QString m_operation;
    Body m_body;
    State m_state = State::Ready;
    QPointer<QNetworkReply> m_reply;
    QList<KeycloakUndo> m_undo;
    KeycloakError m_error;
    QVariant m_result;
};

} // namespace ProxySmart
