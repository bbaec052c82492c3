#include "TestHandlers.h"

#include <QElapsedTimer>
#include <QTest>

#include <atomic>
#include <thread>

using namespace ProxySmart;
using namespace ProxySmart::Http;
using namespace ProxySmart::Http::Testing;

namespace {

HttpServer::Options smallLimits()
{
    HttpServer::Options options;
    options.threads = 2;
    options.limits.maxRequestTargetBytes = 256;
    options.limits.maxHeaderBytes = 1024;
    options.limits.maxHeaderFields = 20;
    options.limits.maxBodyBytes = 4096;
    options.limits.headerTimeoutMs = 300;
    options.limits.bodyIdleTimeoutMs = 300;
    options.limits.keepAliveTimeoutMs = 300;
    return options;
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void refusals_data();
    void refusals();
    void answersAGetAndKeepsTheConnection();
    void answersPipelinedRequestsInOrder();
    void echoesAFixedLengthBody();
    void echoesAChunkedBody();
    void framesAResponseOfUnknownLengthAsChunks();
    void answersHeadWithoutABody();
    void closesAfterAnHttp10Request();
    void closesAnIdleKeptAliveConnection();
    void survivesAClientThatLeavesBeforeTheAnswer();
    void servesManyClientsOnEveryThread();
    void reportsAPortInUse();

private:
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;
};

void TestHttpServer::init()
{
    m_server = std::make_unique<HttpServer>();
    auto port = m_server->start(smallLimits(), [] { return std::make_unique<EchoHandler>(); });
    QVERIFY2(port.ok(), port.ok() ? "" : qPrintable(port.error().message));
    m_port = *port;
}

void TestHttpServer::cleanup()
{
    m_server.reset();
}

void TestHttpServer::refusals_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    QTest::newRow("a request line that is not HTTP is refused as malformed")
        << QByteArray("HELLO WORLD\r\n\r\n") << 400;
    QTest::newRow("an HTTP/1.1 request without Host is refused")
        << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("Content-Length together with chunked encoding is refused (request smuggling)")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        << 400;
    QTest::newRow("two different Content-Length values are refused") << QByteArray(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd")
                                                                     << 400;
    QTest::newRow("a negative Content-Length is refused")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n") << 400;
    QTest::newRow("a header name with a space is refused")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n") << 400;
    QTest::newRow("a request target longer than the limit is refused")
        << QByteArray("GET /" + QByteArray(300, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n") << 414;
    QTest::newRow("headers larger than the limit are refused")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + QByteArray(2000, 'b') + "\r\n\r\n")
        << 431;
    QByteArray manyFields = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 30; ++i)
        manyFields += "X-" + QByteArray::number(i) + ": v\r\n";
    QTest::newRow("more header fields than the limit are refused") << manyFields + "\r\n" << 431;
    QTest::newRow("a Content-Length above the body limit is refused before the body is read")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n") << 413;
    QByteArray bigChunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 6; ++i)
        bigChunked += "400\r\n" + QByteArray(1024, 'c') + "\r\n";
    QTest::newRow("a chunked body growing past the limit is refused") << bigChunked << 413;
    QTest::newRow("headers that never end time out")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: yes\r\n") << 408;
    QTest::newRow("a body that stops arriving times out")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc") << 408;
    QTest::newRow("an HTTP/2 preface is refused")
        << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 400;
    QTest::newRow("a protocol upgrade is refused") << QByteArray(
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
                                                   << 501;
    QTest::newRow("CONNECT is refused")
        << QByteArray("CONNECT example.org:443 HTTP/1.1\r\nHost: a\r\n\r\n") << 501;
}

void TestHttpServer::refusals()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const RawExchange exchange = rawRequest(m_port, request, 1, 3000);
    QVERIFY(!exchange.parseError);
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().status, status);
    QVERIFY(exchange.responses.first().header("connection").contains("close"));
    QVERIFY(exchange.closedByServer);
}

void TestHttpServer::answersAGetAndKeepsTheConnection()
{
    QTcpSocket socket;
    for (int i = 0; i < 3; ++i) {
        const RawExchange exchange = rawRequest(
            m_port, "GET /Patient/" + QByteArray::number(i) + "?a=b HTTP/1.1\r\nHost: a\r\n\r\n", 1,
            3000, false, &socket);
        QCOMPARE(exchange.responses.size(), 1);
        QCOMPARE(exchange.responses.first().status, 200);
        QCOMPARE(exchange.responses.first().body,
                 "GET /Patient/" + QByteArray::number(i) + "?a=b\n");
        QVERIFY(!exchange.closedByServer);
    }
}

void TestHttpServer::answersPipelinedRequestsInOrder()
{
    const RawExchange exchange =
        rawRequest(m_port,
                   "GET /late HTTP/1.1\r\nHost: a\r\n\r\n"
                   "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                   "GET /third HTTP/1.1\r\nHost: a\r\n\r\n",
                   3);
    QCOMPARE(exchange.responses.size(), 3);
    QCOMPARE(exchange.responses.at(0).body, QByteArray("GET /late\n"));
    QCOMPARE(exchange.responses.at(1).body, QByteArray("POST /second\nabc"));
    QCOMPARE(exchange.responses.at(2).body, QByteArray("GET /third\n"));
}

void TestHttpServer::echoesAFixedLengthBody()
{
    const QByteArray body(4000, 'x');
    const RawExchange exchange = rawRequest(
        m_port, "PUT /Patient/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 4000\r\n\r\n" + body);
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().body, "PUT /Patient/1\n" + body);
}

void TestHttpServer::echoesAChunkedBody()
{
    const RawExchange exchange =
        rawRequest(m_port,
                   "POST /Observation HTTP/1.1\r\nHost: a\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().body, QByteArray("POST /Observation\nhello, world"));
}

void TestHttpServer::framesAResponseOfUnknownLengthAsChunks()
{
    const RawExchange exchange = rawRequest(m_port, "GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().header("transfer-encoding"), QByteArray("chunked"));
    QCOMPARE(exchange.responses.first().body, QByteArray("one,two,three"));
    QVERIFY(!exchange.closedByServer);

    const RawExchange old = rawRequest(m_port, "GET /chunked HTTP/1.0\r\n\r\n");
    QCOMPARE(old.responses.first().body, QByteArray("one,two,three"));
    QVERIFY(old.responses.first().header("transfer-encoding").isEmpty());
    QVERIFY(old.closedByServer);
}

void TestHttpServer::answersHeadWithoutABody()
{
    QTcpSocket socket;
    const RawExchange head =
        rawRequest(m_port, "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", 1, 3000, true, &socket);
    QCOMPARE(head.responses.size(), 1);
    QCOMPARE(head.responses.first().status, 200);
    QVERIFY(head.responses.first().body.isEmpty());
    // The connection is still in step: a following request is answered properly.
    const RawExchange next =
        rawRequest(m_port, "GET /y HTTP/1.1\r\nHost: a\r\n\r\n", 1, 3000, false, &socket);
    QCOMPARE(next.responses.first().body, QByteArray("GET /y\n"));
}

void TestHttpServer::closesAfterAnHttp10Request()
{
    const RawExchange exchange = rawRequest(m_port, "GET /old HTTP/1.0\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().status, 200);
    QVERIFY(exchange.closedByServer);
}

void TestHttpServer::closesAnIdleKeptAliveConnection()
{
    QTcpSocket socket;
    QCOMPARE(rawRequest(m_port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, 3000, false, &socket)
                 .responses.size(),
             1);
    // The server's keep-alive timeout is 300 ms in these tests.
    QVERIFY(socket.waitForDisconnected(3000));
}

void TestHttpServer::survivesAClientThatLeavesBeforeTheAnswer()
{
    for (int i = 0; i < 20; ++i) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(socket.waitForConnected(2000));
        socket.write("GET /late HTTP/1.1\r\nHost: a\r\n\r\n");
        socket.waitForBytesWritten(1000);
        socket.abort();
    }
    QTest::qWait(400); // the late answers fire for clients that are gone
    const RawExchange exchange = rawRequest(m_port, "GET /alive HTTP/1.1\r\nHost: a\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().status, 200);
}

void TestHttpServer::servesManyClientsOnEveryThread()
{
    QCOMPARE(m_server->threadCount(), 2);
    std::atomic<int> ok = 0;
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c) {
        clients.emplace_back([this, c, &ok] {
            QTcpSocket socket;
            for (int i = 0; i < 25; ++i) {
                const QByteArray path = "/c" + QByteArray::number(c) + "/" + QByteArray::number(i);
                const RawExchange exchange =
                    rawRequest(m_port, "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n", 1, 5000,
                               false, &socket);
                if (exchange.responses.size() == 1
                    && exchange.responses.first().body == "GET " + path + "\n")
                    ++ok;
            }
        });
    }
    for (std::thread &client : clients)
        client.join();
    QCOMPARE(ok.load(), 200);
}

void TestHttpServer::reportsAPortInUse()
{
    QTcpServer blocker;
    QVERIFY(blocker.listen(QHostAddress::LocalHost));
    HttpServer server;
    HttpServer::Options options;
    options.port = blocker.serverPort();
    auto port = server.start(options, [] { return std::make_unique<EchoHandler>(); });
    QVERIFY(!port.ok());
    QCOMPARE(port.error().code, QStringLiteral("http.bind"));
    QVERIFY(port.error().message.contains(QString::number(blocker.serverPort())));
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
