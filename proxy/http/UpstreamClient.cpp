#include "http/UpstreamClient.h"

#include <QLoggingCategory>
#include <QSslSocket>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace ProxySmart::Http {

namespace {

constexpr qint64 drainThreshold = 256 * 1024;

UpstreamConnection *self(http_parser *parser)
{
    return static_cast<UpstreamConnection *>(parser->data);
}

} // namespace

QByteArray UpstreamEndpoint::poolKey() const
{
    return (tls ? QByteArrayLiteral("https://") : QByteArrayLiteral("http://")) + host.toUtf8()
        + ':' + QByteArray::number(port);
}

// --- UpstreamExchange --------------------------------------------------------

UpstreamExchange::~UpstreamExchange()
{
    if (m_connection && !m_finished)
        m_connection->onSocketClosed(QStringLiteral("abandoned"));
}

void UpstreamExchange::writeBody(QByteArrayView data)
{
    if (m_finished || m_bodyEnded || data.isEmpty() || !m_connection)
        return;
    if (!m_chunked && m_bodySent + data.size() > m_bodyLength) {
        fail(UpstreamError::Kind::Protocol, QStringLiteral("More request body than announced."));
        return;
    }
    m_bodySent += data.size();
    if (m_chunked) {
        QByteArray chunk = QByteArray::number(data.size(), 16) + "\r\n";
        chunk += data;
        chunk += "\r\n";
        m_connection->write(chunk);
    } else {
        m_connection->write(data.toByteArray());
        if (m_bodySent == m_bodyLength)
            m_bodyEnded = true;
    }
    if (m_connection && m_connection->m_wait == UpstreamConnection::Wait::Head)
        m_connection->m_timer.start(m_connection->m_client->options().responseTimeoutMs);
}

void UpstreamExchange::endBody()
{
    if (m_finished || m_bodyEnded || !m_connection)
        return;
    if (!m_chunked && m_bodySent != m_bodyLength) {
        fail(UpstreamError::Kind::Protocol, QStringLiteral("The request body ended early."));
        return;
    }
    m_bodyEnded = true;
    if (m_chunked)
        m_connection->write(QByteArrayLiteral("0\r\n\r\n"));
}

qint64 UpstreamExchange::bufferedRequestBytes() const
{
    return m_connection ? m_connection->m_socket->bytesToWrite() : 0;
}

void UpstreamExchange::setResponsePaused(bool paused)
{
    if (!m_connection || m_connection->m_responsePaused == paused)
        return;
    m_connection->m_responsePaused = paused;
    if (!paused)
        QMetaObject::invokeMethod(m_connection.data(), &UpstreamConnection::readSocket,
                                  Qt::QueuedConnection);
}

void UpstreamExchange::abort()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_connection)
        m_connection->onSocketClosed(QStringLiteral("aborted"));
    deleteLater();
}

void UpstreamExchange::attach(UpstreamConnection *connection)
{
    m_connection = connection;
}

void UpstreamExchange::fail(UpstreamError::Kind kind, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    UpstreamConnection *connection = m_connection;
    m_connection.clear();
    if (connection)
        connection->onSocketClosed(message);
    emit failed(UpstreamError {kind, message});
    deleteLater();
}

// --- UpstreamClient ---------------------------------------------------------

UpstreamClient::UpstreamClient(UpstreamOptions options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{ }

UpstreamClient::~UpstreamClient()
{
    for (const QList<UpstreamConnection *> &list : std::as_const(m_idle))
        qDeleteAll(list);
}

UpstreamExchange *UpstreamClient::send(const UpstreamEndpoint &endpoint, const QByteArray &method,
                                       const QByteArray &target, const HttpHeaders &headers,
                                       qint64 bodyLength)
{
    auto *exchange = new UpstreamExchange(this);
    exchange->m_endpoint = endpoint;
    exchange->m_method = method;
    exchange->m_bodyLength = bodyLength;
    exchange->m_chunked = bodyLength < 0;
    exchange->m_bodyEnded = bodyLength == 0;

    QByteArray &head = exchange->m_head;
    head.reserve(256 + headers.size() * 48);
    head += method;
    head += ' ';
    head += target.isEmpty() ? QByteArrayLiteral("/") : target;
    head += " HTTP/1.1\r\nHost: ";
    head += endpoint.host.toUtf8();
    if (endpoint.port != (endpoint.tls ? 443 : 80)) {
        head += ':';
        head += QByteArray::number(endpoint.port);
    }
    head += "\r\n";
    headers.appendTo(head);
    if (bodyLength < 0)
        head += "Transfer-Encoding: chunked\r\n";
    else if (bodyLength > 0 || method == "POST" || method == "PUT" || method == "PATCH")
        head += "Content-Length: " + QByteArray::number(bodyLength) + "\r\n";
    head += "\r\n";
    start(exchange, true);
    return exchange;
}

void UpstreamClient::start(UpstreamExchange *exchange, bool allowReuse)
{
    UpstreamConnection *connection = nullptr;
    if (allowReuse) {
        auto it = m_idle.find(exchange->m_endpoint.poolKey());
        while (it != m_idle.end() && !it->isEmpty() && !connection) {
            UpstreamConnection *candidate = it->takeLast();
            if (candidate->m_socket->state() == QAbstractSocket::ConnectedState)
                connection = candidate;
            else
                candidate->deleteLater();
        }
    }
    if (!connection) {
        connection = new UpstreamConnection(this, exchange->m_endpoint);
        ++m_opened;
    }
    connection->begin(exchange);
}

void UpstreamClient::release(UpstreamConnection *connection)
{
    QList<UpstreamConnection *> &list = m_idle[connection->poolKey()];
    if (list.size() >= m_options.maxIdlePerEndpoint) {
        connection->deleteLater();
        return;
    }
    connection->m_idle = true;
    connection->m_wait = UpstreamConnection::Wait::Idle;
    connection->m_timer.start(m_options.keepIdleMs);
    list.append(connection);
}

void UpstreamClient::forget(UpstreamConnection *connection)
{
    auto it = m_idle.find(connection->poolKey());
    if (it != m_idle.end())
        it->removeOne(connection);
    connection->deleteLater();
}

int UpstreamClient::idleConnectionCount() const
{
    int count = 0;
    for (const QList<UpstreamConnection *> &list : m_idle)
        count += static_cast<int>(list.size());
    return count;
}

// --- UpstreamConnection -------------------------------------------------------

UpstreamConnection::UpstreamConnection(UpstreamClient *client, const UpstreamEndpoint &endpoint)
    : QObject(client)
    , m_client(client)
    , m_socket(endpoint.tls ? new QSslSocket(this) : new QTcpSocket(this))
    , m_poolKey(endpoint.poolKey())
{
    m_parser.data = this;
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &UpstreamConnection::onTimeout);
    m_socket->setReadBufferSize(256 * 1024);
    connect(m_socket, &QTcpSocket::readyRead, this, &UpstreamConnection::readSocket);
    connect(m_socket, &QTcpSocket::disconnected, this,
            [this] { onSocketClosed(QStringLiteral("The upstream closed the connection.")); });
    connect(m_socket, &QTcpSocket::errorOccurred, this,
            [this](QAbstractSocket::SocketError) { onSocketClosed(m_socket->errorString()); });
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_exchange && m_socket->bytesToWrite() < drainThreshold)
            emit m_exchange->requestBodyDrained();
    });
    auto onReady = [this] {
        m_connected = true;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (m_wait == Wait::Connect) {
            m_wait = Wait::Head;
            m_timer.start(m_client->options().responseTimeoutMs);
        }
    };
    m_wait = Wait::Connect;
    m_timer.start(client->options().connectTimeoutMs);
    if (endpoint.tls) {
        auto *ssl = static_cast<QSslSocket *>(m_socket);
        ssl->setSslConfiguration(endpoint.sslConfiguration);
        connect(ssl, &QSslSocket::encrypted, this, onReady);
        ssl->connectToHostEncrypted(endpoint.host, endpoint.port);
    } else {
        connect(m_socket, &QTcpSocket::connected, this, onReady);
        m_socket->connectToHost(endpoint.host, endpoint.port);
    }
}

UpstreamConnection::~UpstreamConnection() = default;

const http_parser_settings &UpstreamConnection::settings()
{
    static const http_parser_settings settings = [] {
        http_parser_settings s;
        http_parser_settings_init(&s);
        s.on_status = &UpstreamConnection::onStatus;
        s.on_header_field = &UpstreamConnection::onHeaderField;
        s.on_header_value = &UpstreamConnection::onHeaderValue;
        s.on_headers_complete = &UpstreamConnection::onHeadersComplete;
        s.on_body = &UpstreamConnection::onBody;
        s.on_message_complete = &UpstreamConnection::onMessageComplete;
        return s;
    }();
    return settings;
}

void UpstreamConnection::begin(UpstreamExchange *exchange)
{
    m_exchange = exchange;
    exchange->attach(this);
    http_parser_init(&m_parser, HTTP_RESPONSE);
    m_parser.data = this;
    m_headers.clear();
    m_field.clear();
    m_value.clear();
    m_lastWasValue = false;
    m_headerBytes = 0;
    m_idle = false;
    m_done = false;
    m_responseStarted = false;
    m_responsePaused = false;
    m_keepAlive = true;
    if (m_connected) {
        m_wait = Wait::Head;
        m_timer.start(m_client->options().responseTimeoutMs);
    }
    ++m_requests;
    write(exchange->m_head);
}

void UpstreamConnection::write(const QByteArray &bytes)
{
    // QAbstractSocket keeps what is written while it connects and sends it
    // once connected (or encrypted).
    m_socket->write(bytes);
}

void UpstreamConnection::readSocket()
{
    if (m_responsePaused)
        return;
    while (m_socket->bytesAvailable() > 0 && !m_responsePaused) {
        const QByteArray data = m_socket->read(256 * 1024);
        if (!m_exchange || m_exchange->m_finished) {
            // Bytes while idle, or after the exchange was given up: the
            // connection's framing can no longer be trusted.
            onSocketClosed(QStringLiteral("unexpected data"));
            return;
        }
        m_responseStarted = true;
        m_inParser = true;
        const size_t parsed = http_parser_execute(&m_parser, &settings(), data.constData(),
                                                  static_cast<size_t>(data.size()));
        m_inParser = false;
        const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
        if (m_done) {
            finishResponse();
            return;
        }
        if (!m_exchange)
            return;
        if (error != HPE_OK || parsed != static_cast<size_t>(data.size())) {
            m_exchange->fail(UpstreamError::Kind::Protocol,
                             QStringLiteral("The upstream sent a malformed response (%1).")
                                 .arg(QLatin1String(http_errno_name(error))));
            return;
        }
    }
}

int UpstreamConnection::onStatus(http_parser *, const char *, size_t)
{
    return 0;
}

int UpstreamConnection::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    UpstreamConnection *c = self(parser);
    c->m_headerBytes += static_cast<qsizetype>(length);
    if (c->m_headerBytes > c->m_client->options().maxResponseHeaderBytes)
        return 1;
    if (c->m_lastWasValue) {
        c->m_headers.add(std::move(c->m_field), c->m_value.trimmed());
        c->m_field.clear();
        c->m_value.clear();
    }
    c->m_lastWasValue = false;
    c->m_field.append(at, static_cast<qsizetype>(length));
    return 0;
}

int UpstreamConnection::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    UpstreamConnection *c = self(parser);
    c->m_headerBytes += static_cast<qsizetype>(length);
    if (c->m_headerBytes > c->m_client->options().maxResponseHeaderBytes)
        return 1;
    c->m_lastWasValue = true;
    c->m_value.append(at, static_cast<qsizetype>(length));
    return 0;
}

int UpstreamConnection::onHeadersComplete(http_parser *parser)
{
    UpstreamConnection *c = self(parser);
    if (!c->m_field.isEmpty())
        c->m_headers.add(std::move(c->m_field), c->m_value.trimmed());
    c->m_field.clear();
    c->m_value.clear();
    c->m_lastWasValue = false;
    const int status = static_cast<int>(parser->status_code);
    if (status < 200) {
        // Informational (100 Continue, 103 Early Hints): the real answer follows.
        c->m_headers.clear();
        c->m_headerBytes = 0;
        return 0;
    }
    c->m_keepAlive = http_should_keep_alive(parser) != 0;
    c->m_wait = Wait::Body;
    c->m_timer.start(c->m_client->options().idleTimeoutMs);
    if (c->m_exchange) {
        c->m_exchange->m_headReceived = true;
        emit c->m_exchange->responseHead(status, c->m_headers);
    }
    // A HEAD response has headers but no body, whatever they announce.
    return c->m_exchange && c->m_exchange->m_method == "HEAD" ? 1 : 0;
}

int UpstreamConnection::onBody(http_parser *parser, const char *at, size_t length)
{
    UpstreamConnection *c = self(parser);
    c->m_timer.start(c->m_client->options().idleTimeoutMs);
    if (c->m_exchange && !c->m_exchange->m_finished)
        emit c->m_exchange->responseData(QByteArray(at, static_cast<qsizetype>(length)));
    return 0;
}

int UpstreamConnection::onMessageComplete(http_parser *parser)
{
    UpstreamConnection *c = self(parser);
    if (parser->status_code < 200)
        return 0;
    c->m_done = true;
    http_parser_pause(parser, 1);
    return 0;
}

void UpstreamConnection::finishResponse()
{
    m_timer.stop();
    m_wait = Wait::None;
    QPointer<UpstreamExchange> exchange = m_exchange;
    const bool reusable =
        m_keepAlive && exchange && exchange->m_bodyEnded && m_socket->bytesAvailable() == 0;
    m_exchange.clear();
    if (exchange && !exchange->m_finished) {
        exchange->m_finished = true;
        exchange->m_connection.clear();
        emit exchange->responseEnd();
        exchange->deleteLater();
    }
    if (reusable && m_socket->state() == QAbstractSocket::ConnectedState)
        m_client->release(this);
    else
        detach();
}

void UpstreamConnection::detach()
{
    m_socket->disconnect(this);
    m_socket->abort();
    m_client->forget(this);
}

void UpstreamConnection::onSocketClosed(const QString &reason)
{
    if (!m_exchange) {
        detach(); // idle, or already finished: nothing is waiting on it
        return;
    }
    m_timer.stop();
    QPointer<UpstreamExchange> exchange = m_exchange;
    m_exchange.clear();
    if (exchange && !exchange->m_finished) {
        // An HTTP/1.0-style response ends when the connection does.
        if (exchange->m_headReceived) {
            m_inParser = true;
            http_parser_execute(&m_parser, &settings(), nullptr, 0);
            m_inParser = false;
            if (m_done) {
                m_exchange = exchange;
                m_keepAlive = false;
                finishResponse();
                return;
            }
        }
        const bool retry = !m_responseStarted && m_requests > 1 && exchange->m_bodyLength == 0
            && !exchange->m_retried;
        exchange->m_connection.clear();
        detach();
        if (retry) {
            // A kept-alive connection the upstream had closed meanwhile:
            // the request never reached it, so it is sent once more.
            exchange->m_retried = true;
            qCDebug(lcHttp) << "retrying on a fresh connection after" << reason;
            m_client->start(exchange, false);
            return;
        }
        const auto kind = !m_connected ? UpstreamError::Kind::Connect : UpstreamError::Kind::Closed;
        exchange->fail(kind,
                       m_connected
                           ? reason
                           : QStringLiteral("Cannot connect to the upstream: %1").arg(reason));
        return;
    }
    detach();
}

void UpstreamConnection::onTimeout()
{
    const Wait wait = m_wait;
    m_wait = Wait::None;
    QPointer<UpstreamExchange> exchange = m_exchange;
    if (wait == Wait::Idle || !exchange) {
        detach();
        return;
    }
    m_exchange.clear();
    exchange->m_connection.clear();
    detach();
    switch (wait) {
    case Wait::Connect:
        exchange->fail(UpstreamError::Kind::Timeout,
                       QStringLiteral("Connecting to the upstream timed out."));
        break;
    case Wait::Head:
        exchange->fail(UpstreamError::Kind::Timeout,
                       QStringLiteral("The upstream did not answer in time."));
        break;
    default:
        exchange->fail(UpstreamError::Kind::Timeout,
                       QStringLiteral("The upstream stopped sending its response."));
        break;
    }
}

} // namespace ProxySmart::Http
