#pragma once

#include "http/HttpLimits.h"
#include "http/HttpRequest.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <http_parser.h>

class QTcpSocket;

namespace ProxySmart::Http {

class HttpHandler;
class ServerExchange;

// One client connection of HttpServer: parses requests (Node's http_parser),
// enforces the limits and timeouts, hands each request to the handler as a
// ServerExchange and writes its response. Requests on one connection are
// answered in order; a pipelined request waits until the one before it is
// answered.
class HttpConnection : public QObject
{
public:
    HttpConnection(QTcpSocket *socket, HttpHandler *handler, const HttpLimits &limits,
                   QObject *parent = nullptr);
    ~HttpConnection() override;

private:
    friend class ServerExchange;
    enum class Phase { Idle, Headers, Body, Handling, Closing };

    static int onMessageBegin(http_parser *parser);
    static int onUrl(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onMessageComplete(http_parser *parser);
    static const http_parser_settings &settings();

    void readSocket();
    void parseInput();
    bool finishHeaderField();
    void refuse(int status, const QByteArray &reason);
    void setPhase(Phase phase);
    void onTimeout();
    void onDisconnected();

    // Called by ServerExchange.
    void sendBytes(const QByteArray &bytes);
    void exchangeEnded(bool closeAfter);
    void setReadPaused(bool paused);
    qint64 bufferedOutputBytes() const;
    void abortConnection();
    void finishExchange();

    QTcpSocket *m_socket;
    HttpHandler *m_handler;
    HttpLimits m_limits;
    http_parser m_parser;
    QByteArray m_input;
    QByteArray m_field;
    QByteArray m_value;
    bool m_lastWasValue = false;
    qsizetype m_headerBytes = 0;
    HttpRequest m_request;
    QPointer<ServerExchange> m_exchange;
    QTimer m_timer;
    Phase m_phase = Phase::Idle;
    int m_requestCount = 0;
    qint64 m_bodyBytes = 0;
    bool m_readPaused = false;
    bool m_inParser = false;
    bool m_finishPending = false;
    bool m_closeAfterResponse = false;
    bool m_refused = false;
};

} // namespace ProxySmart::Http
