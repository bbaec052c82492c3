#include "TestHandlers.h"

#include "http/UpstreamClient.h"

#include <QTcpServer>
#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Http;
using namespace ProxySmart::Http::Testing;

namespace {

struct Outcome
{
    int status = 0;
    HttpHeaders headers;
    QByteArray body;
    bool ended = false;
    std::optional<UpstreamError> error;
    bool done() const { return ended || error.has_value(); }
};

std::shared_ptr<Outcome> collect(UpstreamExchange *exchange)
{
    auto outcome = std::make_shared<Outcome>();
    QObject::connect(exchange, &UpstreamExchange::responseHead, exchange,
                     [outcome](int status, const HttpHeaders &headers) {
                         outcome->status = status;
                         outcome->headers = headers;
                     });
    QObject::connect(exchange, &UpstreamExchange::responseData, exchange,
                     [outcome](const QByteArray &data) { outcome->body += data; });
    QObject::connect(exchange, &UpstreamExchange::responseEnd, exchange,
                     [outcome] { outcome->ended = true; });
    QObject::connect(exchange, &UpstreamExchange::failed, exchange,
                     [outcome](const UpstreamError &error) { outcome->error = error; });
    return outcome;
}

// A one-shot upstream that answers every connection with fixed bytes.
class RawUpstream : public QTcpServer
{
public:
    RawUpstream(QByteArray answer, bool closeAfter)
        : m_answer(std::move(answer))
        , m_close(closeAfter)
    {
        listen(QHostAddress::LocalHost);
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            socket->readAll();
            socket->write(m_answer);
            if (m_close)
                socket->disconnectFromHost();
        });
    }

private:
    QByteArray m_answer;
    bool m_close;
};

} // namespace

class TestUpstreamClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void forwardsAGetAndReusesTheConnection();
    void streamsAChunkedRequestBody();
    void sendsAFixedLengthBody();
    void refusesMoreBodyThanAnnounced();
    void reportsAnUnreachableUpstream();
    void reportsASilentUpstreamAsATimeout();
    void reconnectsAfterTheUpstreamClosedAnIdleConnection();
    void reportsAMalformedResponse();
    void readsAResponseThatEndsWithTheConnection();
    void readsAHeadResponseWithoutABody();
    void abortedExchangesEmitNothingMore();

private:
    UpstreamEndpoint endpoint() const
    {
        UpstreamEndpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = m_upstreamPort;
        return e;
    }

    HttpServer m_upstream;
    quint16 m_upstreamPort = 0;
};

void TestUpstreamClient::initTestCase()
{
    HttpServer::Options options;
    options.threads = 1;
    options.limits.keepAliveTimeoutMs = 300;
    auto port = m_upstream.start(options, [] { return std::make_unique<EchoHandler>(); });
    QVERIFY(port.ok());
    m_upstreamPort = *port;
}

void TestUpstreamClient::forwardsAGetAndReusesTheConnection()
{
    UpstreamClient client;
    for (int i = 0; i < 5; ++i) {
        HttpHeaders headers;
        headers.add("Accept", "application/fhir+json");
        auto outcome = collect(
            client.send(endpoint(), "GET", "/Patient/" + QByteArray::number(i), headers, 0));
        QTRY_VERIFY(outcome->done());
        QVERIFY(!outcome->error);
        QCOMPARE(outcome->status, 200);
        QCOMPARE(outcome->body, "GET /Patient/" + QByteArray::number(i) + "\n");
        QCOMPARE(outcome->headers.value("content-type"), QByteArray("text/plain"));
    }
    QCOMPARE(client.openedConnectionCount(), 1);
    QCOMPARE(client.idleConnectionCount(), 1);
}

void TestUpstreamClient::streamsAChunkedRequestBody()
{
    UpstreamClient client;
    UpstreamExchange *exchange = client.send(endpoint(), "POST", "/Observation", {}, -1);
    auto outcome = collect(exchange);
    exchange->writeBody("{\"resourceType\":");
    QTest::qWait(50);
    exchange->writeBody("\"Observation\"}");
    exchange->endBody();
    QTRY_VERIFY(outcome->done());
    QVERIFY(!outcome->error);
    QCOMPARE(outcome->body, QByteArray("POST /Observation\n{\"resourceType\":\"Observation\"}"));
}

void TestUpstreamClient::sendsAFixedLengthBody()
{
    UpstreamClient client;
    const QByteArray body(100000, 'z');
    UpstreamExchange *exchange = client.send(endpoint(), "PUT", "/Binary/1", {}, body.size());
    auto outcome = collect(exchange);
    exchange->writeBody(QByteArrayView(body).first(60000));
    exchange->writeBody(QByteArrayView(body).sliced(60000));
    QTRY_VERIFY(outcome->done());
    QVERIFY(!outcome->error);
    QCOMPARE(outcome->body, "PUT /Binary/1\n" + body);
}

void TestUpstreamClient::refusesMoreBodyThanAnnounced()
{
    UpstreamClient client;
    UpstreamExchange *exchange = client.send(endpoint(), "POST", "/x", {}, 3);
    auto outcome = collect(exchange);
    exchange->writeBody("abcdef");
    QTRY_VERIFY(outcome->done());
    QVERIFY(outcome->error);
    QCOMPARE(outcome->error->kind, UpstreamError::Kind::Protocol);
}

void TestUpstreamClient::reportsAnUnreachableUpstream()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    UpstreamEndpoint nowhere = endpoint();
    nowhere.port = closed.serverPort();
    closed.close();
    UpstreamClient client;
    auto outcome = collect(client.send(nowhere, "GET", "/metadata", {}, 0));
    QTRY_VERIFY(outcome->done());
    QVERIFY(outcome->error);
    QCOMPARE(outcome->error->kind, UpstreamError::Kind::Connect);
}

void TestUpstreamClient::reportsASilentUpstreamAsATimeout()
{
    UpstreamOptions options;
    options.responseTimeoutMs = 300;
    UpstreamClient client(options);
    QElapsedTimer timer;
    timer.start();
    auto outcome = collect(client.send(endpoint(), "GET", "/silent", {}, 0));
    QTRY_VERIFY(outcome->done());
    QVERIFY(outcome->error);
    QVERIFY(outcome->error->isTimeout());
    QVERIFY(timer.elapsed() >= 250);
}

void TestUpstreamClient::reconnectsAfterTheUpstreamClosedAnIdleConnection()
{
    UpstreamClient client;
    auto first = collect(client.send(endpoint(), "GET", "/one", {}, 0));
    QTRY_VERIFY(first->done());
    QTest::qWait(600); // the upstream's keep-alive timeout is 300 ms
    auto second = collect(client.send(endpoint(), "GET", "/two", {}, 0));
    QTRY_VERIFY(second->done());
    QVERIFY(!second->error);
    QCOMPARE(second->body, QByteArray("GET /two\n"));
}

void TestUpstreamClient::reportsAMalformedResponse()
{
    RawUpstream upstream("HTTP/1.1 abc nonsense\r\n\r\n", false);
    UpstreamEndpoint e = endpoint();
    e.port = upstream.serverPort();
    UpstreamClient client;
    auto outcome = collect(client.send(e, "GET", "/", {}, 0));
    QTRY_VERIFY(outcome->done());
    QVERIFY(outcome->error);
    QCOMPARE(outcome->error->kind, UpstreamError::Kind::Protocol);
}

void TestUpstreamClient::readsAResponseThatEndsWithTheConnection()
{
    RawUpstream upstream("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", true);
    UpstreamEndpoint e = endpoint();
    e.port = upstream.serverPort();
    UpstreamClient client;
    auto outcome = collect(client.send(e, "GET", "/", {}, 0));
    QTRY_VERIFY(outcome->done());
    QVERIFY(!outcome->error);
    QCOMPARE(outcome->body, QByteArray("until the end"));
    QCOMPARE(client.idleConnectionCount(), 0);
}

void TestUpstreamClient::readsAHeadResponseWithoutABody()
{
    RawUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", false);
    UpstreamEndpoint e = endpoint();
    e.port = upstream.serverPort();
    UpstreamClient client;
    auto outcome = collect(client.send(e, "HEAD", "/Patient/1", {}, 0));
    QTRY_VERIFY(outcome->done());
    QVERIFY(!outcome->error);
    QCOMPARE(outcome->headers.value("content-length"), QByteArray("1234"));
    QVERIFY(outcome->body.isEmpty());
    QCOMPARE(client.idleConnectionCount(), 1);
}

void TestUpstreamClient::abortedExchangesEmitNothingMore()
{
    UpstreamClient client;
    UpstreamExchange *exchange = client.send(endpoint(), "GET", "/late", {}, 0);
    auto outcome = collect(exchange);
    exchange->abort();
    QTest::qWait(400);
    QVERIFY(!outcome->done());
    QCOMPARE(outcome->status, 0);
    // The client still works afterwards.
    auto next = collect(client.send(endpoint(), "GET", "/after", {}, 0));
    QTRY_VERIFY(next->done());
    QCOMPARE(next->body, QByteArray("GET /after\n"));
}

QTEST_GUILESS_MAIN(TestUpstreamClient)
#include "tst_upstreamclient.moc"
