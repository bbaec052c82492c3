#pragma once

// Helpers shared by the integration tests: where the real servers are and a
// blocking HTTP call with a time bound. The servers are started by the ctest
// fixtures (tests/servers/*.sh); a missing variable is a failure, not a skip.
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

namespace ProxySmart::TestServers {

inline QString requiredEnv(const char *name)
{
    const QString value = qEnvironmentVariable(name);
    if (value.isEmpty())
        qFatal("%s is not set: run this test through ctest, which starts the servers", name);
    return value;
}

inline QString keycloakUrl()
{
    return requiredEnv("PROXYSMART_TEST_KEYCLOAK_URL");
}
inline QString hapiUrl()
{
    return requiredEnv("PROXYSMART_TEST_HAPI_URL");
}
inline QString realm()
{
    return requiredEnv("PROXYSMART_TEST_REALM");
}

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QString error;
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

inline HttpResult send(QNetworkAccessManager &manager, const QByteArray &verb,
                       QNetworkRequest request, const QByteArray &body = {}, int timeoutMs = 30000)
{
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = manager.sendCustomRequest(request, verb, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(timeoutMs + 1000);
    HttpResult result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError)
        result.error = reply->errorString();
    reply->deleteLater();
    return result;
}

// An access token for Keycloak's Admin REST API, from the bootstrap admin.
inline QString adminToken(QNetworkAccessManager &manager)
{
    QNetworkRequest request(
        QUrl(keycloakUrl() + QStringLiteral("/realms/master/protocol/openid-connect/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("password"));
    form.addQueryItem(QStringLiteral("client_id"), QStringLiteral("admin-cli"));
    form.addQueryItem(QStringLiteral("username"), requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER"));
    form.addQueryItem(QStringLiteral("password"),
                      requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD"));
    const HttpResult result =
        send(manager, "POST", request, form.toString(QUrl::FullyEncoded).toUtf8());
    return result.json().object().value(u"access_token").toString();
}

} // namespace ProxySmart::TestServers
