#include "JoseTestSupport.h"

#include "jose/JwksFetcher.h"
#include "jose/SigningKey.h"

#include <QHttpServer>
#include <QHttpServerResponse>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Jose;
using namespace ProxySmart::Jose::TestSupport;

namespace {

constexpr qint64 now = 1700000000;
const QString issuer = QStringLiteral("https://login.example/realms/test");

} // namespace

// A real HTTP server on a loopback port serves the JWKS; the test changes
// what it serves and counts the requests.
class TestJwksFetcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void readsMaxAge_data();
    void readsMaxAge();
    void fetchesKeysOnStart();
    void refreshesWhenMaxAgeRunsOut_data();
    void refreshesWhenMaxAgeRunsOut();
    void unknownKidRefetchesAtMostOncePerInterval();
    void keepsKeysWhileTheIssuerFails();
    void refusesAnOversizedKeySet();

private:
    QByteArray token(const SigningKey &key) const;

    std::optional<SigningKey> m_first;
    std::optional<SigningKey> m_second;
    QHttpServer m_server;
    quint16 m_port = 0;
    int m_requests = 0;
    int m_status = 200;
    QByteArray m_body;
    QByteArray m_cacheControl;

    ManualClock m_clock {now};
    QNetworkAccessManager m_network;
    std::shared_ptr<TokenVerifier> m_verifier;
    std::unique_ptr<JwksFetcher> m_fetcher;
};

QByteArray TestJwksFetcher::token(const SigningKey &key) const
{
    const QJsonObject claims {{QLatin1String("iss"), issuer},
                              {QLatin1String("aud"), QStringLiteral("proxy-smart")},
                              {QLatin1String("exp"), double(now + 300)}};
    return signedToken(header(QStringLiteral("ES256"), key.keyId()), compact(claims),
                       JwsAlgorithm::ES256, key.pkey());
}

void TestJwksFetcher::initTestCase()
{
    m_first = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("first")).value();
    m_second = SigningKey::generate(JwsAlgorithm::ES256, QStringLiteral("second")).value();
    m_server.route(QStringLiteral("/jwks"), [this](const QHttpServerRequest &) {
        ++m_requests;
        QHttpServerResponse response(QByteArrayLiteral("application/json"), m_body,
                                     QHttpServerResponse::StatusCode(m_status));
        if (!m_cacheControl.isEmpty())
            response.setHeader(QByteArrayLiteral("Cache-Control"), m_cacheControl);
        return response;
    });
    m_port = m_server.listen(QHostAddress::LocalHost, 0);
    QVERIFY(m_port != 0);
}

void TestJwksFetcher::init()
{
    m_clock.setSecs(now);
    m_requests = 0;
    m_status = 200;
    m_cacheControl = "max-age=120";
    m_body = JwkSet({m_first->publicJwk()}).toJson();
    IssuerConfig config;
    config.issuer = issuer;
    config.audience = QStringLiteral("proxy-smart");
    config.jwksUrl = QUrl(QStringLiteral("http://127.0.0.1:%1/jwks").arg(m_port));
    m_verifier = TokenVerifier::create({config}, m_clock).value();
    JwksFetchPolicy policy;
    policy.unknownKeyRefetchSecs = 30;
    m_fetcher = std::make_unique<JwksFetcher>(m_verifier, &m_network, m_clock, policy);
}

void TestJwksFetcher::cleanup()
{
    m_fetcher.reset();
    m_verifier.reset();
}

void TestJwksFetcher::readsMaxAge_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<qint64>("maxAge"); // -1: none
    QTest::newRow("max-age alone") << QByteArray("max-age=120") << qint64(120);
    QTest::newRow("max-age among other directives")
        << QByteArray("public, MAX-AGE=86400, must-revalidate") << qint64(86400);
    QTest::newRow("a quoted max-age") << QByteArray("max-age=\"60\"") << qint64(60);
    QTest::newRow("no-store means zero") << QByteArray("no-store") << qint64(0);
    QTest::newRow("no-cache means zero") << QByteArray("max-age=600, no-cache") << qint64(0);
    QTest::newRow("no max-age") << QByteArray("public") << qint64(-1);
    QTest::newRow("a negative max-age is ignored") << QByteArray("max-age=-5") << qint64(-1);
    QTest::newRow("a non-numeric max-age is ignored") << QByteArray("max-age=soon") << qint64(-1);
    QTest::newRow("an empty header") << QByteArray() << qint64(-1);
}

void TestJwksFetcher::readsMaxAge()
{
    QFETCH(QByteArray, header);
    QFETCH(qint64, maxAge);
    const auto parsed = JwksFetcher::maxAgeFrom(header);
    QCOMPARE(parsed.value_or(-1), maxAge);
}

void TestJwksFetcher::fetchesKeysOnStart()
{
    QVERIFY(!m_verifier->verify(token(*m_first)).ok());
    QSignalSpy updated(m_fetcher.get(), &JwksFetcher::keysUpdated);
    m_fetcher->start();
    QVERIFY(updated.wait(5000));
    QCOMPARE(updated.first().at(0).toString(), issuer);
    QCOMPARE(updated.first().at(1).toInt(), 1);
    QCOMPARE(m_requests, 1);
    QVERIFY(m_verifier->verify(token(*m_first)).ok());
}

void TestJwksFetcher::refreshesWhenMaxAgeRunsOut_data()
{
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("refreshSecs");
    QTest::newRow("max-age 120 is honoured") << QByteArray("max-age=120") << 200 << qint64(120);
    QTest::newRow("max-age 5 is raised to the 60 s minimum")
        << QByteArray("max-age=5") << 200 << qint64(60);
    QTest::newRow("max-age of a year is cut to a day")
        << QByteArray("max-age=31536000") << 200 << qint64(86400);
    QTest::newRow("no-store uses the minimum") << QByteArray("no-store") << 200 << qint64(60);
    QTest::newRow("no Cache-Control uses the default") << QByteArray() << 200 << qint64(300);
    QTest::newRow("a failed fetch retries after 30 s")
        << QByteArray("max-age=120") << 500 << qint64(30);
}

void TestJwksFetcher::refreshesWhenMaxAgeRunsOut()
{
    QFETCH(QByteArray, cacheControl);
    QFETCH(int, status);
    QFETCH(qint64, refreshSecs);
    m_cacheControl = cacheControl;
    m_status = status;
    QSignalSpy updated(m_fetcher.get(), &JwksFetcher::keysUpdated);
    QSignalSpy failed(m_fetcher.get(), &JwksFetcher::fetchFailed);
    m_fetcher->start();
    QVERIFY(QTest::qWaitFor([&] { return updated.count() + failed.count() > 0; }, 5000));
    QCOMPARE(m_fetcher->refreshIntervalSecs(issuer), refreshSecs);
}

void TestJwksFetcher::unknownKidRefetchesAtMostOncePerInterval()
{
    QSignalSpy updated(m_fetcher.get(), &JwksFetcher::keysUpdated);
    m_fetcher->start();
    QVERIFY(updated.wait(5000));
    // The issuer rotates: the key set now holds both keys.
    m_body = JwkSet({m_first->publicJwk(), m_second->publicJwk()}).toJson();

    // Within the interval since the last fetch, an unknown kid fetches nothing.
    m_clock.advanceSecs(10);
    QCOMPARE(m_verifier->verify(token(*m_second)).error().code, QStringLiteral("jwks.kid_unknown"));
    QTest::qWait(200);
    QCOMPARE(m_requests, 1);

    // After it, the first unknown kid fetches once; more do not pile up.
    m_clock.advanceSecs(30);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(m_verifier->verify(token(*m_second)).error().code,
                 QStringLiteral("jwks.kid_unknown"));
    QVERIFY(updated.wait(5000));
    QTest::qWait(200);
    QCOMPARE(m_requests, 2);
    QVERIFY(m_verifier->verify(token(*m_second)).ok());
    QVERIFY(m_verifier->verify(token(*m_first)).ok());
}

void TestJwksFetcher::keepsKeysWhileTheIssuerFails()
{
    QSignalSpy updated(m_fetcher.get(), &JwksFetcher::keysUpdated);
    QSignalSpy failed(m_fetcher.get(), &JwksFetcher::fetchFailed);
    m_fetcher->start();
    QVERIFY(updated.wait(5000));
    const QByteArray first = token(*m_first);
    QVERIFY(m_verifier->verify(first, TokenVerifier::CacheUse::Bypass).ok());

    // The issuer answers 503, then garbage: the keys already held stay.
    m_status = 503;
    m_clock.advanceSecs(60);
    m_fetcher->requestRefresh(issuer);
    QVERIFY(failed.wait(5000));
    QCOMPARE(failed.last().at(1).value<ProxySmart::Error>().code,
             QStringLiteral("jwks.fetch_failed"));
    QVERIFY(m_verifier->verify(first, TokenVerifier::CacheUse::Bypass).ok());

    m_status = 200;
    m_body = "{\"keys\":[],\"keys\":[]}";
    m_clock.advanceSecs(60);
    m_fetcher->requestRefresh(issuer);
    QVERIFY(failed.wait(5000));
    QCOMPARE(failed.last().at(1).value<ProxySmart::Error>().code,
             QStringLiteral("jwks.duplicate_key"));
    QVERIFY(m_verifier->verify(first, TokenVerifier::CacheUse::Bypass).ok());

    m_body = "{\"keys\":[]}";
    m_clock.advanceSecs(60);
    m_fetcher->requestRefresh(issuer);
    QVERIFY(failed.wait(5000));
    QCOMPARE(failed.last().at(1).value<ProxySmart::Error>().code,
             QStringLiteral("jwks.no_usable_keys"));
    QVERIFY(m_verifier->verify(first, TokenVerifier::CacheUse::Bypass).ok());
    QCOMPARE(m_requests, 4);
}

void TestJwksFetcher::refusesAnOversizedKeySet()
{
    m_body = "{\"keys\":[],\"pad\":\"" + QByteArray(JwkSet::maxBytes, 'a') + "\"}";
    QSignalSpy failed(m_fetcher.get(), &JwksFetcher::fetchFailed);
    m_fetcher->start();
    QVERIFY(failed.wait(5000));
    QVERIFY(!m_verifier->keySet(issuer));
}

QTEST_GUILESS_MAIN(TestJwksFetcher)
#include "tst_jwksfetcher.moc"
