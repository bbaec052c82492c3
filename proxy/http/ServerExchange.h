#pragma once

#include "http/HttpHeaders.h"
#include "http/HttpRequest.h"

#include <QObject>

#include <functional>

namespace ProxySmart::Http {

class HttpConnection;

// One request and its response on a server connection. The connection owns
// it and deletes it once the response is complete or the client is gone;
// code that answers later holds a QPointer and checks it.
class ServerExchange : public QObject
{
    Q_OBJECT

public:
    using DataCallback = std::function<void(QByteArrayView)>;
    using EndCallback = std::function<void()>;

    const HttpRequest &request() const { return m_request; }

    // Request body, streamed: data as it arrives, then end. Data that came
    // before the callbacks were set is delivered at once.
    void onBody(DataCallback data, EndCallback end);
    // The whole body (bounded by the server's body limit) in one piece.
    void readBody(std::function<void(const QByteArray &)> done);
    // Stops reading from the client until resumeBody(); TCP flow control then
    // slows the client down.
    void pauseBody();
    void resumeBody();
    bool isBodyComplete() const { return m_bodyComplete; }

    // Response. contentLength -1 means unknown: chunked for HTTP/1.1 clients,
    // delimited by closing the connection for HTTP/1.0 ones.
    void writeHead(int status, const HttpHeaders &headers, qint64 contentLength);
    void write(QByteArrayView data);
    void end();
    void respond(int status, const HttpHeaders &headers, const QByteArray &body);
    // Closes the connection at once, e.g. when an upstream failed after the
    // response head was sent and the response cannot be completed.
    void abort();

    bool isHeadSent() const { return m_headSent; }
    bool isFinished() const { return m_finished; }
    bool isClientGone() const { return m_clientGone; }
    int status() const { return m_status; }
    qint64 bytesSent() const { return m_bodyBytesSent; }
    // Response bytes not yet taken by the kernel; answer writers slow down
    // above a threshold and wait for outputDrained().
    qint64 bufferedOutputBytes() const;

signals:
    void clientGone();
    void outputDrained();

private:
    friend class HttpConnection;
    ServerExchange(HttpConnection *connection, HttpRequest request);

    void deliverBody(QByteArrayView data);
    void deliverBodyEnd();

    HttpConnection *m_connection;
    HttpRequest m_request;
    DataCallback m_onData;
    EndCallback m_onEnd;
    QByteArray m_pendingBody;
    bool m_bodyComplete = false;
    bool m_headSent = false;
    bool m_finished = false;
    bool m_clientGone = false;
    bool m_chunkedResponse = false;
    bool m_noResponseBody = false;
    int m_status = 0;
    qint64 m_declaredLength = -1;
    qint64 m_bodyBytesSent = 0;
};

} // namespace ProxySmart::Http
