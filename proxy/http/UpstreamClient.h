#pragma once

#include "http/HttpHeaders.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QString>
#include <QTimer>

#include <http_parser.h>

class QTcpSocket;

namespace ProxySmart::Http {

// Where requests go: scheme, host and port, and for https the TLS settings
// (CA, client certificate for mutual TLS).
struct UpstreamEndpoint
{
    QString host;
    quint16 port = 80;
    bool tls = false;
    QSslConfiguration sslConfiguration = QSslConfiguration::defaultConfiguration();

    QByteArray poolKey() const;
};

struct UpstreamError
{
    enum class Kind { Connect, Tls, Timeout, Protocol, Closed, Aborted };
    Kind kind;
    QString message;
    bool isTimeout() const { return kind == Kind::Timeout; }
};

struct UpstreamOptions
{
    int connectTimeoutMs = 5'000;
    int responseTimeoutMs = 30'000; // request sent to response head
    int idleTimeoutMs = 30'000; // between two pieces of a response body
    int keepIdleMs = 15'000; // how long an idle connection is kept for reuse
    int maxIdlePerEndpoint = 256;
    qsizetype maxResponseHeaderBytes = 64 * 1024;
};

class UpstreamConnection;

// One request to an upstream and its response, streamed both ways.
class UpstreamExchange : public QObject
{
    Q_OBJECT

public:
    ~UpstreamExchange() override;

    // Request body: bodyLength given to send() bytes in total, or chunks
    // ended by endBody() when it was -1.
    void writeBody(QByteArrayView data);
    void endBody();
    // Bytes of request body not yet taken by the kernel.
    qint64 bufferedRequestBytes() const;
    // Stops reading the response until resumed (back-pressure from a slow client).
    void setResponsePaused(bool paused);
    // Gives up; no further signal is emitted.
    void abort();

    bool isFinished() const { return m_finished; }

signals:
    void responseHead(int status, const ProxySmart::Http::HttpHeaders &headers);
    void responseData(const QByteArray &data);
    void responseEnd();
    void failed(const ProxySmart::Http::UpstreamError &error);
    void requestBodyDrained();

private:
    friend class UpstreamClient;
    friend class UpstreamConnection;
    UpstreamExchange(QObject *parent)
        : QObject(parent)
    { }

    void attach(UpstreamConnection *connection);
    void fail(UpstreamError::Kind kind, const QString &message);

    QPointer<UpstreamConnection> m_connection;
    QByteArray m_head; // request line and headers, kept for one retry
    QByteArray m_method;
    qint64 m_bodyLength = 0;
    qint64 m_bodySent = 0;
    bool m_bodyEnded = false;
    bool m_chunked = false;
    bool m_finished = false;
    bool m_headReceived = false;
    bool m_retried = false;
    UpstreamEndpoint m_endpoint;
};

// A pool of keep-alive connections per upstream, for one thread. Far wider
// than QNetworkAccessManager's six per host: the gateway keeps as many
// connections as there are requests in flight.
class UpstreamClient : public QObject
{
    Q_OBJECT

public:
    explicit UpstreamClient(UpstreamOptions options = {}, QObject *parent = nullptr);
    ~UpstreamClient() override;

    // Starts a request. bodyLength: 0 for none, the exact length, or -1 to
    // stream it chunked. headers must not carry framing (Content-Length,
    // Transfer-Encoding) or Host; they are set here.
    UpstreamExchange *send(const UpstreamEndpoint &endpoint, const QByteArray &method,
                           const QByteArray &target, const HttpHeaders &headers, qint64 bodyLength);

    int idleConnectionCount() const;
    int openedConnectionCount() const { return m_opened; }
    const UpstreamOptions &options() const { return m_options; }

private:
    friend class UpstreamConnection;
    void start(UpstreamExchange *exchange, bool allowReuse);
    void release(UpstreamConnection *connection);
    void forget(UpstreamConnection *connection);

    UpstreamOptions m_options;
    QHash<QByteArray, QList<UpstreamConnection *>> m_idle;
    int m_opened = 0;
};

// One keep-alive connection to an upstream.
class UpstreamConnection : public QObject
{
    Q_OBJECT

public:
    UpstreamConnection(UpstreamClient *client, const UpstreamEndpoint &endpoint);
    ~UpstreamConnection() override;

    bool isReused() const { return m_requests > 0; }
    const QByteArray &poolKey() const { return m_poolKey; }

private:
    friend class UpstreamClient;
    friend class UpstreamExchange;
    static int onStatus(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);
    static const http_parser_settings &settings();

    void begin(UpstreamExchange *exchange);
    void write(const QByteArray &bytes);
    void readSocket();
    void onSocketClosed(const QString &reason);
    void onTimeout();
    void finishResponse();
    void detach();

    UpstreamClient *m_client;
    QTcpSocket *m_socket;
    QByteArray m_poolKey;
    QPointer<UpstreamExchange> m_exchange;
    http_parser m_parser;
    HttpHeaders m_headers;
    QByteArray m_field;
    QByteArray m_value;
    bool m_lastWasValue = false;
    qsizetype m_headerBytes = 0;
    bool m_connected = false;
    bool m_idle = false;
    bool m_responsePaused = false;
    bool m_responseStarted = false;
    bool m_keepAlive = true;
    bool m_inParser = false;
    bool m_done = false;
    int m_requests = 0;
    QTimer m_timer;
    enum class Wait { None, Connect, Head, Body, Idle } m_wait = Wait::None;
};

} // namespace ProxySmart::Http
