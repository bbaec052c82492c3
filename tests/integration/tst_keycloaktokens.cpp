// Tokens that the real Keycloak issued, verified with its real JWKS (fetched
// by JwksFetcher), across a key rotation done through Keycloak's Admin REST
// API: a new rsa-generated key provider with a higher priority signs the next
// token (new kid, found by the rate-limited refetch), tokens of the original
// key keep verifying, and once the new provider is deleted its token is
// refused after the JWKS is fetched again. The provider is removed afterwards
// even when a check fails, so the realm is left as it was.
#include "TestServers.h"

#include "cli/Cli.h"
#include "jose/CompactJws.h"
#include "jose/JwksFetcher.h"

#include <QBuffer>
#include <QJsonArray>
#include <QRandomGenerator>

using namespace ProxySmart;
using namespace ProxySmart::Jose;
using namespace ProxySmart::TestServers;

namespace {

const QString toolClient = QStringLiteral("proxy-smart-test-tool");
const QString toolSecret = QStringLiteral("proxy-smart-test-tool-secret");
// Service-account tokens of the tool client name realm-management as their
// audience (its service account holds realm-management roles).
const QString serviceAudience = QStringLiteral("realm-management");

QString issuerUrl()
{
    return keycloakUrl() + QStringLiteral("/realms/") + realm();
}

} // namespace

class TestKeycloakTokens : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void verifiesKeycloakTokensWithItsJwks();
    void refusesKeycloakTokensWithoutTheAudience();
    void tokenCommandVerifiesAgainstTheJwksUrl();
    void followsAKeyRotationDoneInKeycloak();

private:
    QByteArray serviceToken();
    QByteArray passwordToken();
    QNetworkRequest adminRequest(const QString &path) const;
    static QString kidOf(const QByteArray &token);
    bool waitForKeys(QSignalSpy &updated, int count);

    QNetworkAccessManager m_network;
    QString m_adminToken;
    QString m_providerId; // the key provider this test added, until deleted
    std::shared_ptr<TokenVerifier> m_verifier;
    std::unique_ptr<JwksFetcher> m_fetcher;
};

QByteArray TestKeycloakTokens::serviceToken()
{
    QNetworkRequest request(QUrl(issuerUrl() + QStringLiteral("/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.addQueryItem(QStringLiteral("client_id"), toolClient);
    form.addQueryItem(QStringLiteral("client_secret"), toolSecret);
    const HttpResult result =
        send(m_network, "POST", request, form.toString(QUrl::FullyEncoded).toUtf8());
    return result.json().object().value(u"access_token").toString().toLatin1();
}

QByteArray TestKeycloakTokens::passwordToken()
{
    QNetworkRequest request(QUrl(issuerUrl() + QStringLiteral("/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("password"));
    form.addQueryItem(QStringLiteral("client_id"), toolClient);
    form.addQueryItem(QStringLiteral("client_secret"), toolSecret);
    form.addQueryItem(QStringLiteral("username"), QStringLiteral("alice"));
    form.addQueryItem(QStringLiteral("password"), QStringLiteral("alice-password"));
    const HttpResult result =
        send(m_network, "POST", request, form.toString(QUrl::FullyEncoded).toUtf8());
    return result.json().object().value(u"access_token").toString().toLatin1();
}

QNetworkRequest TestKeycloakTokens::adminRequest(const QString &path) const
{
    QNetworkRequest request(
        QUrl(keycloakUrl() + QStringLiteral("/admin/realms/") + realm() + path));
    request.setRawHeader("Authorization", "Bearer " + m_adminToken.toLatin1());
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return request;
}

QString TestKeycloakTokens::kidOf(const QByteArray &token)
{
    const auto jws = CompactJws::parse(token);
    return jws && jws->keyId ? *jws->keyId : QString();
}

bool TestKeycloakTokens::waitForKeys(QSignalSpy &updated, int count)
{
    return QTest::qWaitFor([&] { return updated.count() >= count; }, 15000);
}

void TestKeycloakTokens::initTestCase()
{
    m_adminToken = adminToken(m_network);
    QVERIFY2(!m_adminToken.isEmpty(), "the Keycloak admin could not sign in");
    IssuerConfig config;
    config.issuer = issuerUrl();
    config.audience = serviceAudience;
    config.jwksUrl = QUrl(issuerUrl() + QStringLiteral("/protocol/openid-connect/certs"));
    config.leewaySecs = 30;
    auto verifier = TokenVerifier::create({config});
    QVERIFY2(verifier.ok(), verifier.ok() ? "" : qPrintable(verifier.error().message));
    m_verifier = verifier.value();
    JwksFetchPolicy policy;
    policy.unknownKeyRefetchSecs = 1; // so the test need not wait long between refetches
    m_fetcher = std::make_unique<JwksFetcher>(m_verifier, &m_network, Clock::system(), policy);
    QSignalSpy updated(m_fetcher.get(), &JwksFetcher::keysUpdated);
    m_fetcher->start();
    QVERIFY2(waitForKeys(updated, 1), "the realm's JWKS was not fetched");
}

void TestKeycloakTokens::cleanupTestCase()
{
    if (!m_providerId.isEmpty()) {
        send(m_network, "DELETE", adminRequest(QStringLiteral("/components/") + m_providerId));
        m_providerId.clear();
    }
    m_fetcher.reset();
}

void TestKeycloakTokens::verifiesKeycloakTokensWithItsJwks()
{
    const QByteArray token = serviceToken();
    QVERIFY(!token.isEmpty());
    const auto verified = m_verifier->verify(token);
    QVERIFY2(verified.ok(),
             verified.ok() ? ""
                           : qPrintable(verified.error().code + QStringLiteral(": ")
                                        + verified.error().message));
    QCOMPARE(verified->issuer(), issuerUrl());
    QCOMPARE(verified->claims().value(u"azp").toString(), toolClient);
    QCOMPARE(verified->keyId(), kidOf(token));
    QVERIFY(m_verifier->verify(token)->fromCache());

    // Any change to the real token is refused.
    QByteArray tampered = token;
    const qsizetype firstDot = tampered.indexOf('.');
    tampered[firstDot + 5] = tampered[firstDot + 5] == 'A' ? 'B' : 'A';
    QVERIFY(!m_verifier->verify(tampered).ok());
}

void TestKeycloakTokens::refusesKeycloakTokensWithoutTheAudience()
{
    // alice's password-grant token carries no audience for this gateway.
    const QByteArray token = passwordToken();
    QVERIFY(!token.isEmpty());
    const auto verified = m_verifier->verify(token);
    QVERIFY(!verified.ok());
    QCOMPARE(verified.error().code, QStringLiteral("jwt.aud_missing"));
}

void TestKeycloakTokens::tokenCommandVerifiesAgainstTheJwksUrl()
{
    QByteArray token = serviceToken() + '\n';
    QString out;
    QString err;
    QTextStream outStream(&out);
    QTextStream errStream(&err);
    QBuffer in(&token);
    QVERIFY(in.open(QIODevice::ReadOnly));
    Cli::Io io {outStream, errStream, &in};
    const int exitCode = Cli::run(
        {QStringLiteral("token"), QStringLiteral("verify"), QStringLiteral("--jwks"),
         issuerUrl() + QStringLiteral("/protocol/openid-connect/certs"), QStringLiteral("--issuer"),
         issuerUrl(), QStringLiteral("--audience"), serviceAudience},
        io);
    outStream.flush();
    QCOMPARE(exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(out.toUtf8()).object().value(u"azp").toString(), toolClient);
}

void TestKeycloakTokens::followsAKeyRotationDoneInKeycloak()
{
    QSignalSpy updated(m_fetcher.get(), &JwksFetcher::keysUpdated);
    const QByteArray original = serviceToken();
    const QString originalKid = kidOf(original);
    QVERIFY(m_verifier->verify(original).ok());

    // Rotate: a new RS256 key provider above every existing one.
    const HttpResult keys = send(m_network, "GET", adminRequest(QStringLiteral("/keys")));
    QCOMPARE(keys.status, 200);
    qint64 topPriority = 0;
    for (const QJsonValue &key : keys.json().object().value(u"keys").toArray())
        topPriority =
            std::max<qint64>(topPriority, key.toObject().value(u"providerPriority").toInteger());
    const HttpResult realmInfo = send(m_network, "GET", adminRequest(QString()));
    const QString realmId = realmInfo.json().object().value(u"id").toString();
    QVERIFY(!realmId.isEmpty());
    const QJsonObject component {
        {QStringLiteral("name"),
         QStringLiteral("rotation-test-%1").arg(QRandomGenerator::global()->generate())},
        {QStringLiteral("providerId"), QStringLiteral("rsa-generated")},
        {QStringLiteral("providerType"), QStringLiteral("org.keycloak.keys.KeyProvider")},
        {QStringLiteral("parentId"), realmId},
        {QStringLiteral("config"),
         QJsonObject {{QStringLiteral("priority"), QJsonArray {QString::number(topPriority + 10)}},
                      {QStringLiteral("enabled"), QJsonArray {QStringLiteral("true")}},
                      {QStringLiteral("active"), QJsonArray {QStringLiteral("true")}},
                      {QStringLiteral("algorithm"), QJsonArray {QStringLiteral("RS256")}},
                      {QStringLiteral("keySize"), QJsonArray {QStringLiteral("2048")}}}}};
    QNetworkRequest create = adminRequest(QStringLiteral("/components"));
    create.setTransferTimeout(30000);
    QNetworkReply *reply =
        m_network.post(create, QJsonDocument(component).toJson(QJsonDocument::Compact));
    QSignalSpy created(reply, &QNetworkReply::finished);
    QVERIFY(created.wait(30000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 201);
    m_providerId = reply->header(QNetworkRequest::LocationHeader).toUrl().path().section(u'/', -1);
    reply->deleteLater();
    QVERIFY(!m_providerId.isEmpty());

    const QByteArray rotated = serviceToken();
    const QString rotatedKid = kidOf(rotated);
    QVERIFY(!rotatedKid.isEmpty());
    QVERIFY2(rotatedKid != originalKid, "Keycloak did not sign with the new key");

    // The new kid is unknown until the verifier's key set catches up: the
    // first refusal asks for one refetch, after which both tokens verify.
    QTest::qWait(1100); // past the refetch interval since the last fetch
    const int fetchesBefore = m_fetcher->fetchCount(issuerUrl());
    QCOMPARE(m_verifier->verify(rotated).error().code, QStringLiteral("jwks.kid_unknown"));
    QCOMPARE(m_verifier->verify(rotated).error().code, QStringLiteral("jwks.kid_unknown"));
    QVERIFY2(waitForKeys(updated, 1), "the unknown kid did not trigger a JWKS refetch");
    QCOMPARE(m_fetcher->fetchCount(issuerUrl()), fetchesBefore + 1);
    const auto newVerified = m_verifier->verify(rotated);
    QVERIFY2(newVerified.ok(), newVerified.ok() ? "" : qPrintable(newVerified.error().code));
    QCOMPARE(newVerified->keyId(), rotatedKid);
    const auto oldVerified = m_verifier->verify(original);
    QVERIFY2(oldVerified.ok(), oldVerified.ok() ? "" : qPrintable(oldVerified.error().code));
    QCOMPARE(oldVerified->keyId(), originalKid);

    // Remove the new key from Keycloak: after the next fetch, its token is
    // refused (also from the cache); the original key's tokens still pass.
    QVERIFY(m_verifier->verify(rotated)->fromCache());
    const HttpResult removed =
        send(m_network, "DELETE", adminRequest(QStringLiteral("/components/") + m_providerId));
    QCOMPARE(removed.status, 204);
    m_providerId.clear();
    QTest::qWait(1100);
    m_fetcher->requestRefresh(issuerUrl());
    QVERIFY2(waitForKeys(updated, 2), "the JWKS was not fetched again");
    const auto refused = m_verifier->verify(rotated);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("jwks.kid_unknown"));
    QVERIFY(m_verifier->verify(original).ok());
    QVERIFY(m_verifier->verify(serviceToken()).ok());
}

QTEST_GUILESS_MAIN(TestKeycloakTokens)
#include "tst_keycloaktokens.moc"
