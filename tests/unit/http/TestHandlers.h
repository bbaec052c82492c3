#pragma once

// Handlers and a raw client shared by the HTTP engine's tests.
#include "http/HttpServer.h"
#include "http/ServerExchange.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <http_parser.h>

namespace ProxySmart::Http::Testing {

// Answers with what it received: "METHOD target\n" then the body. Paths:
//   /silent  never answers
//   /chunked answers in three pieces without a length
//   /late    answers after 200 ms
class EchoHandler : public HttpHandler
{
public:
    void handle(ServerExchange *exchange) override
    {
        const HttpRequest &request = exchange->request();
        if (request.path == "/silent")
            return;
        if (request.path == "/chunked") {
            exchange->writeHead(200, {}, -1);
            exchange->write("one,");
            exchange->write("two,");
            exchange->write("three");
            exchange->end();
            return;
        }
        QPointer<ServerExchange> guarded(exchange);
        const bool late = request.path == "/late";
        exchange->readBody([guarded, late](const QByteArray &body) {
            auto answer = [guarded, body] {
                if (!guarded)
                    return;
                const HttpRequest &request = guarded->request();
                HttpHeaders headers;
                headers.add("Content-Type", "text/plain");
                headers.add("X-Seen-Authorization", request.headers.value("authorization"));
                guarded->respond(200, headers, request.method + ' ' + request.target + '\n' + body);
            };
            if (late)
                QTimer::singleShot(200, guarded.data(), answer);
            else
                answer();
        });
    }
};

struct RawResponse
{
    int status = 0;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool complete = false;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &field : headers) {
            if (equalsIgnoringCase(field.first, name))
                return field.second;
        }
        return {};
    }
};

// Parses the responses a raw client reads, with the same parser the engine
// uses, so framing mistakes show up as parse errors.
class ResponseReader
{
public:
    ResponseReader()
    {
        http_parser_init(&m_parser, HTTP_RESPONSE);
        m_parser.data = this;
        http_parser_settings_init(&m_settings);
        m_settings.on_message_begin = [](http_parser *p) {
            static_cast<ResponseReader *>(p->data)->responses.append(RawResponse {});
            return 0;
        };
        m_settings.on_header_field = [](http_parser *p, const char *at, size_t n) {
            auto *r = static_cast<ResponseReader *>(p->data);
            if (r->m_inValue || r->responses.last().headers.isEmpty())
                r->responses.last().headers.append(std::pair<QByteArray, QByteArray>());
            r->m_inValue = false;
            r->responses.last().headers.last().first.append(at, static_cast<qsizetype>(n));
            return 0;
        };
        m_settings.on_header_value = [](http_parser *p, const char *at, size_t n) {
            auto *r = static_cast<ResponseReader *>(p->data);
            r->m_inValue = true;
            r->responses.last().headers.last().second.append(at, static_cast<qsizetype>(n));
            return 0;
        };
        m_settings.on_headers_complete = [](http_parser *p) {
            auto *r = static_cast<ResponseReader *>(p->data);
            r->m_inValue = false;
            r->responses.last().status = static_cast<int>(p->status_code);
            return r->m_headRequest ? 1 : 0;
        };
        m_settings.on_body = [](http_parser *p, const char *at, size_t n) {
            static_cast<ResponseReader *>(p->data)->responses.last().body.append(
                at, static_cast<qsizetype>(n));
            return 0;
        };
        m_settings.on_message_complete = [](http_parser *p) {
            static_cast<ResponseReader *>(p->data)->responses.last().complete = true;
            return 0;
        };
    }

    bool feed(const QByteArray &data)
    {
        const size_t n = http_parser_execute(&m_parser, &m_settings, data.constData(),
                                             static_cast<size_t>(data.size()));
        return n == static_cast<size_t>(data.size()) && HTTP_PARSER_ERRNO(&m_parser) == HPE_OK;
    }
    void eof() { http_parser_execute(&m_parser, &m_settings, nullptr, 0); }
    void expectHead() { m_headRequest = true; }

    int completeCount() const
    {
        int n = 0;
        for (const RawResponse &r : responses)
            n += r.complete ? 1 : 0;
        return n;
    }

    QList<RawResponse> responses;

private:
    http_parser m_parser;
    http_parser_settings m_settings;
    bool m_inValue = false;
    bool m_headRequest = false;
};

// A client that writes raw bytes and reads until it has `count` complete
// responses, the server closes, or the time is up.
struct RawExchange
{
    QList<RawResponse> responses;
    bool closedByServer = false;
    bool parseError = false;
};

inline RawExchange rawRequest(quint16 port, const QByteArray &bytes, int count = 1,
                              int timeoutMs = 3000, bool head = false, QTcpSocket *reuse = nullptr)
{
    QTcpSocket own;
    QTcpSocket *socket = reuse ? reuse : &own;
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->connectToHost(QHostAddress::LocalHost, port);
        if (!socket->waitForConnected(timeoutMs))
            return {};
    }
    socket->write(bytes);
    socket->flush();
    ResponseReader reader;
    if (head)
        reader.expectHead();
    RawExchange result;
    QElapsedTimer timer;
    timer.start();
    while (reader.completeCount() < count && timer.elapsed() < timeoutMs) {
        if (socket->bytesAvailable() == 0 && !socket->waitForReadyRead(50)) {
            if (socket->state() != QAbstractSocket::ConnectedState) {
                result.closedByServer = true;
                reader.eof();
                break;
            }
            continue;
        }
        if (!reader.feed(socket->readAll())) {
            result.parseError = true;
            break;
        }
    }
    if (!result.closedByServer && socket->state() == QAbstractSocket::ConnectedState && count > 0
        && reader.completeCount() >= count) {
        // Give a closing server a moment to show it.
        if (!socket->waitForReadyRead(100) && socket->state() != QAbstractSocket::ConnectedState)
            result.closedByServer = true;
    }
    result.responses = reader.responses;
    return result;
}

} // namespace ProxySmart::Http::Testing
