#include "../http/TestHandlers.h"

#include "gateway/Forwarder.h"
#include "gateway/UrlRewriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Http;
using namespace ProxySmart::Http::Testing;

namespace {

// An upstream that speaks a little FHIR: its answers carry its own absolute
// URLs, cookies and hop-by-hop fields, and it reports what it was sent.
class FhirLikeHandler : public HttpHandler
{
public:
    void handle(ServerExchange *exchange) override
    {
        if (exchange->request().path == "/fhir/silent")
            return;
        QPointer<ServerExchange> guarded(exchange);
        exchange->readBody([guarded](const QByteArray &body) {
            if (!guarded)
                return;
            const HttpRequest &request = guarded->request();
            const QByteArray base = "http://" + request.headers.value("host") + "/fhir";
            HttpHeaders headers;
            headers.add("Content-Type", "application/fhir+json;charset=utf-8");
            headers.add("ETag", "W/\"3\"");
            headers.add("Set-Cookie", "upstream-session=secret");
            headers.add("Connection", "X-Hop");
            headers.add("X-Hop", "must not pass");
            if (request.method == "GET") {
                guarded->respond(
                    200, headers,
                    "{\"resourceType\":\"Bundle\",\"link\":[{\"relation\":\"next\",\"url\":\""
                        + base + "?_getpages=abc\"}],\"entry\":[{\"fullUrl\":\"" + base
                        + "/Patient/1\"}],\"other\":\"" + base + "x/Patient/1\"}");
                return;
            }
            headers.add("Location", base + "/Patient/2/_history/1");
            QJsonObject seen;
            for (const char *name : {"authorization", "cookie", "x-forwarded-for", "if-match",
                                     "prefer", "x-client-hop", "api-key", "content-type"})
                seen.insert(QLatin1String(name), QString::fromUtf8(request.headers.value(name)));
            seen.insert(QStringLiteral("body"), QString::fromUtf8(body));
            guarded->respond(201, headers, QJsonDocument(seen).toJson(QJsonDocument::Compact));
        });
    }
};

class ForwardingHandler : public HttpHandler
{
public:
    explicit ForwardingHandler(ForwardTarget target)
        : m_target(std::move(target))
    {
        UpstreamOptions options;
        options.responseTimeoutMs = 400;
        m_forwarder = std::make_unique<Forwarder>(options);
    }

    void handle(ServerExchange *exchange) override
    {
        const QByteArray target = exchange->request().target;
        m_forwarder->forward(exchange, m_target, target.mid(int(strlen("/fhir/test"))));
    }

private:
    ForwardTarget m_target;
    std::unique_ptr<Forwarder> m_forwarder;
};

} // namespace

class TestForwarder : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void urlRewriting_data();
    void urlRewriting();
    void relaysAResponseWithGatewayUrls();
    void keepsCredentialsAndHopByHopFieldsOnTheirSide();
    void streamsAChunkedRequestBodyUpstream();
    void answersAnUnreachableUpstreamWith502();
    void answersASilentUpstreamWith504();

private:
    quint16 startGateway(quint16 upstreamPort);

    HttpServer m_upstream;
    HttpServer m_gateway;
    HttpServer m_deadGateway;
    quint16 m_gatewayPort = 0;
    quint16 m_upstreamPort = 0;
};

void TestForwarder::initTestCase()
{
    HttpServer::Options options;
    options.threads = 1;
    auto up = m_upstream.start(options, [] { return std::make_unique<FhirLikeHandler>(); });
    QVERIFY(up.ok());
    m_upstreamPort = *up;

    ForwardTarget target;
    target.endpoint.host = QStringLiteral("127.0.0.1");
    target.endpoint.port = m_upstreamPort;
    target.upstreamPathPrefix = "/fhir";
    target.upstreamBaseUrl = "http://127.0.0.1:" + QByteArray::number(m_upstreamPort) + "/fhir";
    target.gatewayBaseUrl = "https://gw.example/fhir/test";
    target.upstreamHeaders.add("Api-Key", "upstream-credential");
    auto gw =
        m_gateway.start(options, [target] { return std::make_unique<ForwardingHandler>(target); });
    QVERIFY(gw.ok());
    m_gatewayPort = *gw;
}

void TestForwarder::urlRewriting_data()
{
    QTest::addColumn<QList<QByteArray>>("chunks");
    QTest::addColumn<QByteArray>("expected");
    const QByteArray from = "http://up:8080/fhir";

    QTest::newRow("a base followed by a path is rewritten")
        << QList<QByteArray> {"\"" + from + "/Patient/1\""}
        << QByteArray("\"https://gw/fhir/a/Patient/1\"");
    QTest::newRow("a base followed by a query is rewritten")
        << QList<QByteArray> {from + "?_getpages=x"} << QByteArray("https://gw/fhir/a?_getpages=x");
    QTest::newRow("a base at the very end is rewritten")
        << QList<QByteArray> {from} << QByteArray("https://gw/fhir/a");
    QTest::newRow("a longer host that starts like the base is left alone")
        << QList<QByteArray> {"http://up:8080/fhirx/Patient"}
        << QByteArray("http://up:8080/fhirx/Patient");
    QTest::newRow("a base split across two chunks is still rewritten")
        << QList<QByteArray> {"{\"url\":\"http://up:80", "80/fhir/Obs\"}"}
        << QByteArray("{\"url\":\"https://gw/fhir/a/Obs\"}");
    QTest::newRow("a base whose ending byte arrives in the next chunk is rewritten")
        << QList<QByteArray> {"x " + from, "/y"} << QByteArray("x https://gw/fhir/a/y");
    QTest::newRow("a base whose next chunk shows it continues is left alone")
        << QList<QByteArray> {"x " + from, "z"} << QByteArray("x " + from + "z");
    QTest::newRow("every occurrence is rewritten")
        << QList<QByteArray> {from + "/a " + from + "/b"}
        << QByteArray("https://gw/fhir/a/a https://gw/fhir/a/b");
    QTest::newRow("text without the base passes unchanged, byte by byte")
        << QList<QByteArray> {"h", "t", "t", "p", ":", "/", "/", "x"} << QByteArray("http://x");
}

void TestForwarder::urlRewriting()
{
    QFETCH(QList<QByteArray>, chunks);
    QFETCH(QByteArray, expected);
    UrlRewriter rewriter("http://up:8080/fhir/", "https://gw/fhir/a");
    QByteArray out;
    for (const QByteArray &chunk : chunks)
        out += rewriter.feed(chunk);
    out += rewriter.finish();
    QCOMPARE(out, expected);
}

void TestForwarder::relaysAResponseWithGatewayUrls()
{
    const RawExchange exchange =
        rawRequest(m_gatewayPort, "GET /fhir/test/Patient?name=x HTTP/1.1\r\nHost: gw\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    const RawResponse &response = exchange.responses.first();
    QCOMPARE(response.status, 200);
    QCOMPARE(response.header("content-type"), QByteArray("application/fhir+json;charset=utf-8"));
    QCOMPARE(response.header("etag"), QByteArray("W/\"3\""));
    const QJsonObject bundle = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(bundle.value(u"link").toArray().first().toObject().value(u"url").toString(),
             QStringLiteral("https://gw.example/fhir/test?_getpages=abc"));
    QCOMPARE(bundle.value(u"entry").toArray().first().toObject().value(u"fullUrl").toString(),
             QStringLiteral("https://gw.example/fhir/test/Patient/1"));
    QVERIFY(bundle.value(u"other").toString().contains(u"fhirx/Patient/1"));
    QVERIFY(!response.body.contains(":" + QByteArray::number(m_upstreamPort) + "/fhir/"));
}

void TestForwarder::keepsCredentialsAndHopByHopFieldsOnTheirSide()
{
    const QByteArray body = "{\"resourceType\":\"Patient\"}";
    const RawExchange exchange = rawRequest(
        m_gatewayPort,
        "PUT /fhir/test/Patient/2 HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer app-token\r\n"
        "Cookie: gw=1\r\nIf-Match: W/\"2\"\r\nPrefer: return=representation\r\n"
        "Connection: X-Client-Hop\r\nX-Client-Hop: 1\r\nContent-Type: application/fhir+json\r\n"
        "Content-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QCOMPARE(exchange.responses.size(), 1);
    const RawResponse &response = exchange.responses.first();
    QCOMPARE(response.status, 201);
    QCOMPARE(response.header("location"),
             QByteArray("https://gw.example/fhir/test/Patient/2/_history/1"));
    QVERIFY(response.header("set-cookie").isEmpty());
    QVERIFY(response.header("x-hop").isEmpty());
    const QJsonObject seen = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(seen.value(u"authorization").toString(), QString());
    QCOMPARE(seen.value(u"cookie").toString(), QString());
    QCOMPARE(seen.value(u"x-client-hop").toString(), QString());
    QCOMPARE(seen.value(u"x-forwarded-for").toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(seen.value(u"if-match").toString(), QStringLiteral("W/\"2\""));
    QCOMPARE(seen.value(u"prefer").toString(), QStringLiteral("return=representation"));
    QCOMPARE(seen.value(u"api-key").toString(), QStringLiteral("upstream-credential"));
    QCOMPARE(seen.value(u"content-type").toString(), QStringLiteral("application/fhir+json"));
    QCOMPARE(seen.value(u"body").toString(), QString::fromUtf8(body));
}

void TestForwarder::streamsAChunkedRequestBodyUpstream()
{
    const RawExchange exchange = rawRequest(m_gatewayPort,
                                            "POST /fhir/test/Observation HTTP/1.1\r\nHost: gw\r\n"
                                            "Transfer-Encoding: chunked\r\n\r\n"
                                            "3\r\n{\"a\r\n5\r\n\":1}\n\r\n0\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().status, 201);
    QCOMPARE(
        QJsonDocument::fromJson(exchange.responses.first().body).object().value(u"body").toString(),
        QStringLiteral("{\"a\":1}\n"));
}

quint16 TestForwarder::startGateway(quint16 upstreamPort)
{
    ForwardTarget target;
    target.endpoint.host = QStringLiteral("127.0.0.1");
    target.endpoint.port = upstreamPort;
    target.upstreamPathPrefix = "/fhir";
    HttpServer::Options options;
    options.threads = 1;
    m_deadGateway.stop();
    auto port = m_deadGateway.start(
        options, [target] { return std::make_unique<ForwardingHandler>(target); });
    return port.ok() ? *port : 0;
}

void TestForwarder::answersAnUnreachableUpstreamWith502()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 deadPort = closed.serverPort();
    closed.close();
    const quint16 port = startGateway(deadPort);
    const RawExchange exchange =
        rawRequest(port, "GET /fhir/test/Patient HTTP/1.1\r\nHost: gw\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().status, 502);
    const QJsonObject outcome = QJsonDocument::fromJson(exchange.responses.first().body).object();
    QCOMPARE(outcome.value(u"resourceType").toString(), QStringLiteral("OperationOutcome"));
}

void TestForwarder::answersASilentUpstreamWith504()
{
    const RawExchange exchange =
        rawRequest(m_gatewayPort, "GET /fhir/test/silent HTTP/1.1\r\nHost: gw\r\n\r\n");
    QCOMPARE(exchange.responses.size(), 1);
    QCOMPARE(exchange.responses.first().status, 504);
    QVERIFY(exchange.responses.first().body.contains("timeout"));
}

QTEST_GUILESS_MAIN(TestForwarder)
#include "tst_forwarder.moc"
