#include "http/ServerExchange.h"

#include "http/HttpConnection.h"

namespace ProxySmart::Http {

ServerExchange::ServerExchange(HttpConnection *connection, HttpRequest request)
    : QObject(connection)
    , m_connection(connection)
    , m_request(std::move(request))
{
    m_bodyComplete = !m_request.hasBody();
}

void ServerExchange::onBody(DataCallback data, EndCallback end)
{
    m_onData = std::move(data);
    m_onEnd = std::move(end);
    if (!m_pendingBody.isEmpty()) {
        const QByteArray pending = std::exchange(m_pendingBody, {});
        m_onData(pending);
    }
    if (m_bodyComplete && m_onEnd)
        m_onEnd();
}

void ServerExchange::readBody(std::function<void(const QByteArray &)> done)
{
    auto body = std::make_shared<QByteArray>();
    onBody([body](QByteArrayView data) { body->append(data); },
           [body, done = std::move(done)] { done(*body); });
}

void ServerExchange::deliverBody(QByteArrayView data)
{
    if (m_onData)
        m_onData(data);
    else
        m_pendingBody.append(data);
}

void ServerExchange::deliverBodyEnd()
{
    if (m_bodyComplete)
        return;
    m_bodyComplete = true;
    if (m_onEnd)
        m_onEnd();
}

void ServerExchange::pauseBody()
{
    m_connection->setReadPaused(true);
}

void ServerExchange::resumeBody()
{
    m_connection->setReadPaused(false);
}

void ServerExchange::writeHead(int status, const HttpHeaders &headers, qint64 contentLength)
{
    if (m_headSent || m_clientGone)
        return;
    m_headSent = true;
    m_status = status;
    m_noResponseBody = m_request.isHead() || status == 204 || status == 304 || status < 200;
    const bool http11 = m_request.versionMinor >= 1;
    m_chunkedResponse = contentLength < 0 && http11 && !m_noResponseBody;
    m_declaredLength = contentLength;

    QByteArray head;
    head.reserve(256 + headers.size() * 48);
    head += http11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    head += QByteArray::number(status);
    head += ' ';
    head += http_status_str(static_cast<http_status>(status));
    head += "\r\n";
    headers.appendTo(head);
    if (contentLength >= 0 && status != 204 && status != 304) {
        head += "Content-Length: ";
        head += QByteArray::number(contentLength);
        head += "\r\n";
    } else if (m_chunkedResponse) {
        head += "Transfer-Encoding: chunked\r\n";
    }
    // Without a length an HTTP/1.0 response ends when the connection closes.
    const bool closeAfter =
        !m_request.keepAlive || (contentLength < 0 && !http11 && !m_noResponseBody);
    if (closeAfter) {
        m_connection->m_closeAfterResponse = true;
        head += "Connection: close\r\n";
    } else if (!http11) {
        head += "Connection: keep-alive\r\n";
    }
    head += "\r\n";
    m_connection->sendBytes(head);
}

void ServerExchange::write(QByteArrayView data)
{
    if (!m_headSent || m_finished || m_clientGone || data.isEmpty() || m_noResponseBody)
        return;
    m_bodyBytesSent += data.size();
    if (m_chunkedResponse) {
        QByteArray chunk = QByteArray::number(data.size(), 16);
        chunk += "\r\n";
        chunk += data;
        chunk += "\r\n";
        m_connection->sendBytes(chunk);
    } else {
        m_connection->sendBytes(data.toByteArray());
    }
}

void ServerExchange::end()
{
    if (m_finished || m_clientGone)
        return;
    if (!m_headSent)
        writeHead(200, {}, 0);
    m_finished = true;
    if (m_chunkedResponse)
        m_connection->sendBytes(QByteArrayLiteral("0\r\n\r\n"));
    // A body shorter than announced cannot be framed: the client must see the
    // connection end rather than wait.
    const bool short_ =
        m_declaredLength >= 0 && !m_noResponseBody && m_bodyBytesSent != m_declaredLength;
    if (short_) {
        m_connection->abortConnection();
        return;
    }
    m_connection->exchangeEnded(false);
}

void ServerExchange::respond(int status, const HttpHeaders &headers, const QByteArray &body)
{
    writeHead(status, headers, body.size());
    write(body);
    end();
}

void ServerExchange::abort()
{
    if (m_clientGone)
        return;
    m_finished = true;
    m_connection->abortConnection();
}

qint64 ServerExchange::bufferedOutputBytes() const
{
    return m_clientGone ? 0 : m_connection->bufferedOutputBytes();
}

} // namespace ProxySmart::Http
