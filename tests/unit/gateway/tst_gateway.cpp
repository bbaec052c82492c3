#include "gateway/Gateway.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

using namespace ProxySmart;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QByteArray wwwAuthenticate;
    QByteArray contentType;
};

Reply get(const QUrl &url)
{
    QNetworkAccessManager manager;
    QNetworkReply *reply = manager.get(QNetworkRequest(url));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(5000))
        return {};
    Reply result {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                  reply->readAll(), reply->rawHeader("WWW-Authenticate"),
                  reply->rawHeader("Content-Type")};
    reply->deleteLater();
    return result;
}

GatewayConfig configWithOneServer()
{
    auto config = GatewayConfig::fromJson(
        R"({"listen": {"port": 0},
                "fhirServers": [{"id": "hapi", "url": "http://127.0.0.1:9/fhir"}]})");
    return config.value();
}

} // namespace

class TestGateway : public QObject
{
    Q_OBJECT

private slots:
    void servesHealthOnAnEphemeralLoopbackPort();
    void refusesFhirRequestsWithoutAToken();
    void answersUnknownServersWithOperationOutcome();
    void refusesNonLoopbackAddressUnlessAllowed();
    void reportsAPortInUse();
    void stopsAndRestarts();
};

void TestGateway::servesHealthOnAnEphemeralLoopbackPort()
{
    Gateway gateway;
    QSignalSpy stateChanged(&gateway, &Gateway::stateChanged);
    QVERIFY(gateway.start(configWithOneServer()));
    QCOMPARE(gateway.state(), Gateway::State::Running);
    QCOMPARE(stateChanged.count(), 1);
    QVERIFY(gateway.port() != 0);

    const Reply reply = get(QUrl(gateway.baseUrl().toString() + QStringLiteral("/health")));
    QCOMPARE(reply.status, 200);
    QCOMPARE(QJsonDocument::fromJson(reply.body).object().value(u"status").toString(),
             QStringLiteral("ok"));
}

void TestGateway::refusesFhirRequestsWithoutAToken()
{
    Gateway gateway;
    QVERIFY(gateway.start(configWithOneServer()));
    const Reply reply =
        get(QUrl(gateway.baseUrl().toString() + QStringLiteral("/fhir/hapi/Patient")));
    QCOMPARE(reply.status, 401);
    QVERIFY(reply.wwwAuthenticate.startsWith("Bearer"));
    const QJsonObject outcome = QJsonDocument::fromJson(reply.body).object();
    QCOMPARE(outcome.value(u"resourceType").toString(), QStringLiteral("OperationOutcome"));
}

void TestGateway::answersUnknownServersWithOperationOutcome()
{
    Gateway gateway;
    QVERIFY(gateway.start(configWithOneServer()));
    const Reply reply =
        get(QUrl(gateway.baseUrl().toString() + QStringLiteral("/fhir/nope/Patient")));
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.contentType, QByteArray("application/fhir+json"));
    QVERIFY(reply.body.contains("nope"));
}

void TestGateway::refusesNonLoopbackAddressUnlessAllowed()
{
    auto config = configWithOneServer();
    config.listenAddress = QHostAddress(QHostAddress::AnyIPv4);
    Gateway gateway;
    QVERIFY(!gateway.start(config));
    QCOMPARE(gateway.state(), Gateway::State::Failed);
    QVERIFY(gateway.errorString().contains(u"loopback"));
}

void TestGateway::reportsAPortInUse()
{
    Gateway first;
    QVERIFY(first.start(configWithOneServer()));
    auto config = configWithOneServer();
    config.listenPort = first.port();
    Gateway second;
    QVERIFY(!second.start(config));
    QCOMPARE(second.state(), Gateway::State::Failed);
    QVERIFY(second.errorString().contains(QString::number(first.port())));
}

void TestGateway::stopsAndRestarts()
{
    Gateway gateway;
    QVERIFY(gateway.start(configWithOneServer()));
    const QUrl health(gateway.baseUrl().toString() + QStringLiteral("/health"));
    gateway.stop();
    QCOMPARE(gateway.state(), Gateway::State::Stopped);
    QCOMPARE(get(health).status, 0);
    QVERIFY(gateway.start(configWithOneServer()));
    QCOMPARE(get(QUrl(gateway.baseUrl().toString() + QStringLiteral("/health"))).status, 200);
}

QTEST_GUILESS_MAIN(TestGateway)
#include "tst_gateway.moc"
