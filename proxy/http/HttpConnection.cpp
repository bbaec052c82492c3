#include "http/HttpConnection.h"

#include "http/HttpServer.h"
#include "http/ServerExchange.h"

#include <QLoggingCategory>
#include <QTcpSocket>

Q_LOGGING_CATEGORY(lcHttp, "proxysmart.proxy.http", QtInfoMsg)

namespace ProxySmart::Http {

namespace {

constexpr qint64 readChunk = 64 * 1024;

HttpConnection *self(http_parser *parser)
{
    return static_cast<HttpConnection *>(parser->data);
}

// RFC 9110 5.1: a field name is a token.
bool isToken(QByteArrayView name)
{
    if (name.isEmpty())
        return false;
    for (char ch : name) {
        const bool alnum =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && !QByteArrayView("!#$%&'*+-.^_`|~").contains(ch))
            return false;
    }
    return true;
}

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, HttpHandler *handler, const HttpLimits &limits,
                               QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_handler(handler)
    , m_limits(limits)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(readChunk);
    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::readSocket);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcHttp) << "client socket error" << error;
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onDisconnected();
    });
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_exchange && m_socket->bytesToWrite() < readChunk * 4)
            emit m_exchange->outputDrained();
    });
    setPhase(Phase::Idle);
    if (m_socket->bytesAvailable() > 0)
        readSocket();
}

HttpConnection::~HttpConnection()
{
    if (m_exchange) {
        m_exchange->m_clientGone = true;
        delete m_exchange.data();
    }
}

const http_parser_settings &HttpConnection::settings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s;
        http_parser_settings_init(&s);
        s.on_message_begin = &HttpConnection::onMessageBegin;
        s.on_url = &HttpConnection::onUrl;
        s.on_header_field = &HttpConnection::onHeaderField;
        s.on_header_value = &HttpConnection::onHeaderValue;
        s.on_headers_complete = &HttpConnection::onHeadersComplete;
        s.on_body = &HttpConnection::onBody;
        s.on_message_complete = &HttpConnection::onMessageComplete;
        return s;
    }();
    return settings;
}

void HttpConnection::setPhase(Phase phase)
{
    m_phase = phase;
    switch (phase) {
    case Phase::Idle:
        m_timer.start(m_limits.keepAliveTimeoutMs);
        break;
    case Phase::Headers:
        m_timer.start(m_limits.headerTimeoutMs);
        break;
    case Phase::Body:
        m_timer.start(m_limits.bodyIdleTimeoutMs);
        break;
    case Phase::Handling:
    case Phase::Closing:
        m_timer.stop();
        break;
    }
}

void HttpConnection::onTimeout()
{
    switch (m_phase) {
    case Phase::Idle:
        m_phase = Phase::Closing;
        m_socket->disconnectFromHost();
        break;
    case Phase::Headers:
    case Phase::Body:
        refuse(408, "The request was not received in time.");
        break;
    case Phase::Handling:
    case Phase::Closing:
        break;
    }
}

void HttpConnection::readSocket()
{
    if (m_readPaused || m_phase == Phase::Closing)
        return;
    while (m_socket->bytesAvailable() > 0 && !m_readPaused && m_phase != Phase::Closing) {
        m_input += m_socket->read(readChunk);
        parseInput();
        if (HTTP_PARSER_ERRNO(&m_parser) == HPE_PAUSED)
            break; // a request is being answered; the rest waits in m_input
    }
}

void HttpConnection::parseInput()
{
    while (!m_input.isEmpty() && m_phase != Phase::Closing) {
        if (HTTP_PARSER_ERRNO(&m_parser) == HPE_PAUSED)
            return;
        m_inParser = true;
        const size_t parsed = http_parser_execute(&m_parser, &settings(), m_input.constData(),
                                                  static_cast<size_t>(m_input.size()));
        m_inParser = false;
        const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
        if (m_phase == Phase::Closing)
            return;
        if (error != HPE_OK && error != HPE_PAUSED) {
            if (!m_refused) {
                qCDebug(lcHttp) << "malformed request:" << http_errno_name(error);
                refuse(400, QByteArray("Malformed HTTP request: ") + http_errno_description(error));
            }
            return;
        }
        if (m_parser.upgrade) {
            refuse(501, "Protocol upgrades and CONNECT are not supported.");
            return;
        }
        m_input.remove(0, static_cast<qsizetype>(parsed));
        if (m_finishPending) {
            m_finishPending = false;
            finishExchange();
        }
        if (parsed == 0 && error == HPE_OK)
            return;
    }
}

int HttpConnection::onMessageBegin(http_parser *parser)
{
    HttpConnection *c = self(parser);
    c->m_request = HttpRequest();
    c->m_request.peerAddress = c->m_socket->peerAddress();
    c->m_request.peerPort = c->m_socket->peerPort();
    c->m_field.clear();
    c->m_value.clear();
    c->m_lastWasValue = false;
    c->m_headerBytes = 0;
    c->m_bodyBytes = 0;
    c->setPhase(Phase::Headers);
    return 0;
}

int HttpConnection::onUrl(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    if (c->m_request.target.size() + static_cast<qsizetype>(length)
        > c->m_limits.maxRequestTargetBytes) {
        c->refuse(414, "The request target is too long.");
        return 1;
    }
    c->m_request.target.append(at, static_cast<qsizetype>(length));
    return 0;
}

bool HttpConnection::finishHeaderField()
{
    if (m_field.isEmpty())
        return true;
    if (!isToken(m_field) || m_value.contains('\0')) {
        refuse(400, "A header field is malformed.");
        return false;
    }
    if (m_request.headers.size() >= m_limits.maxHeaderFields) {
        refuse(431, "Too many header fields.");
        return false;
    }
    m_request.headers.add(std::move(m_field), m_value.trimmed());
    m_field.clear();
    m_value.clear();
    return true;
}

int HttpConnection::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    c->m_headerBytes += static_cast<qsizetype>(length);
    if (c->m_headerBytes > c->m_limits.maxHeaderBytes) {
        c->refuse(431, "The request headers are too large.");
        return 1;
    }
    if (c->m_lastWasValue && !c->finishHeaderField())
        return 1;
    c->m_lastWasValue = false;
    c->m_field.append(at, static_cast<qsizetype>(length));
    return 0;
}

int HttpConnection::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    c->m_headerBytes += static_cast<qsizetype>(length);
    if (c->m_headerBytes > c->m_limits.maxHeaderBytes) {
        c->refuse(431, "The request headers are too large.");
        return 1;
    }
    c->m_lastWasValue = true;
    c->m_value.append(at, static_cast<qsizetype>(length));
    return 0;
}

int HttpConnection::onHeadersComplete(http_parser *parser)
{
    HttpConnection *c = self(parser);
    if (!c->finishHeaderField())
        return 1;
    HttpRequest &request = c->m_request;
    request.method = http_method_str(static_cast<http_method>(parser->method));
    request.versionMinor = parser->http_major == 1 ? parser->http_minor : 0;
    request.keepAlive = http_should_keep_alive(parser) != 0;
    request.chunked = (parser->flags & F_CHUNKED) != 0;
    if (!request.chunked && request.headers.contains("content-length"))
        request.contentLength = static_cast<qint64>(parser->content_length);
    const qsizetype question = request.target.indexOf('?');
    request.path = question < 0 ? request.target : request.target.left(question);
    request.query = question < 0 ? QByteArray() : request.target.mid(question + 1);

    if (parser->upgrade) { // set before this callback for Upgrade and CONNECT
        c->refuse(501, "Protocol upgrades and CONNECT are not supported.");
        return 1;
    }
    if (parser->http_major != 1) {
        c->refuse(505, "Only HTTP/1.0 and HTTP/1.1 are served.");
        return 1;
    }
    if (request.versionMinor >= 1 && !request.headers.contains("host")) {
        c->refuse(400, "HTTP/1.1 requests need a Host header.");
        return 1;
    }
    if (request.contentLength > c->m_limits.maxBodyBytes) {
        c->refuse(413, "The request body is too large.");
        return 1;
    }
    if (++c->m_requestCount >= c->m_limits.maxRequestsPerConnection)
        c->m_closeAfterResponse = true;
    if (request.headers.hasToken("expect", "100-continue") && request.versionMinor >= 1)
        c->m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");

    c->setPhase(request.hasBody() ? Phase::Body : Phase::Handling);
    auto *exchange = new ServerExchange(c, request);
    c->m_exchange = exchange;
    c->m_handler->handle(exchange);
    return 0;
}

int HttpConnection::onBody(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    c->m_bodyBytes += static_cast<qint64>(length);
    if (c->m_bodyBytes > c->m_limits.maxBodyBytes) {
        c->refuse(413, "The request body is too large.");
        return 1;
    }
    if (c->m_phase == Phase::Body)
        c->m_timer.start(c->m_limits.bodyIdleTimeoutMs);
    if (c->m_exchange)
        c->m_exchange->deliverBody(QByteArrayView(at, static_cast<qsizetype>(length)));
    return 0;
}

int HttpConnection::onMessageComplete(http_parser *parser)
{
    HttpConnection *c = self(parser);
    if (c->m_phase == Phase::Body)
        c->setPhase(Phase::Handling);
    // Hold pipelined requests until this one is answered.
    http_parser_pause(parser, 1);
    if (c->m_exchange)
        c->m_exchange->deliverBodyEnd();
    return 0;
}

void HttpConnection::refuse(int status, const QByteArray &reason)
{
    if (m_phase == Phase::Closing || m_refused)
        return;
    m_refused = true;
    if (m_exchange && m_exchange->isHeadSent()) {
        abortConnection();
        return;
    }
    if (m_exchange) {
        m_exchange->m_finished = true;
        m_exchange->deleteLater();
        m_exchange.clear();
    }
    const QByteArray body = reason + '\n';
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' '
        + http_status_str(static_cast<http_status>(status)) + "\r\n";
    response += "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    m_socket->write(response);
    setPhase(Phase::Closing);
    m_socket->disconnectFromHost();
}

void HttpConnection::sendBytes(const QByteArray &bytes)
{
    if (m_phase != Phase::Closing || m_socket->state() == QAbstractSocket::ConnectedState)
        m_socket->write(bytes);
}

qint64 HttpConnection::bufferedOutputBytes() const
{
    return m_socket->bytesToWrite();
}

void HttpConnection::setReadPaused(bool paused)
{
    if (m_readPaused == paused)
        return;
    m_readPaused = paused;
    if (!paused)
        QMetaObject::invokeMethod(this, &HttpConnection::readSocket, Qt::QueuedConnection);
}

void HttpConnection::exchangeEnded(bool closeAfter)
{
    m_closeAfterResponse = m_closeAfterResponse || closeAfter;
    if (m_inParser)
        m_finishPending = true;
    else
        finishExchange();
}

void HttpConnection::finishExchange()
{
    const bool bodyUnread = m_exchange && !m_exchange->isBodyComplete();
    if (m_exchange) {
        m_exchange->deleteLater();
        m_exchange.clear();
    }
    if (m_closeAfterResponse || !m_request.keepAlive || bodyUnread) {
        setPhase(Phase::Closing);
        m_socket->disconnectFromHost();
        return;
    }
    http_parser_pause(&m_parser, 0);
    m_readPaused = false;
    setPhase(Phase::Idle);
    if (!m_input.isEmpty())
        parseInput();
    if (m_phase != Phase::Closing && m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::readSocket, Qt::QueuedConnection);
}

void HttpConnection::abortConnection()
{
    setPhase(Phase::Closing);
    m_socket->abort();
}

void HttpConnection::onDisconnected()
{
    m_phase = Phase::Closing;
    m_timer.stop();
    if (m_exchange && !m_exchange->m_clientGone) {
        m_exchange->m_clientGone = true;
        emit m_exchange->clientGone();
    }
    deleteLater();
}

} // namespace ProxySmart::Http
