#include "gateway/GatewayHandler.h"

#include "core/Version.h"
#include "gateway/OperationOutcome.h"
#include "http/ServerExchange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ProxySmart {

namespace {

Http::HttpHeaders jsonHeaders(QByteArrayView contentType = "application/json")
{
    Http::HttpHeaders headers;
    headers.add("Content-Type", contentType.toByteArray());
    headers.add("Cache-Control", "no-store");
    return headers;
}

void respondOutcome(Http::ServerExchange *exchange, int status, QStringView code,
                    const QString &diagnostics,
                    Http::HttpHeaders headers = jsonHeaders("application/fhir+json"))
{
    exchange->respond(status, headers, operationOutcome(u"error", code, diagnostics));
}

} // namespace

GatewayHandler::GatewayHandler(GatewayConfig config)
    : m_config(std::move(config))
    , m_baseUrl(m_config.effectiveBaseUrl().toString().toUtf8())
{ }

void GatewayHandler::handle(Http::ServerExchange *exchange)
{
    const QByteArray &path = exchange->request().path;
    if (path.startsWith("/fhir/")) {
        serveFhir(exchange, QByteArrayView(path).sliced(6));
        return;
    }
    const QByteArray &method = exchange->request().method;
    if (method != "GET" && method != "HEAD") {
        Http::HttpHeaders headers = jsonHeaders("application/fhir+json");
        headers.add("Allow", "GET, HEAD");
        respondOutcome(exchange, 405, u"not-supported",
                       QStringLiteral("Only GET and HEAD are served at this path."), headers);
        return;
    }
    if (path == "/health") {
        serveHealth(exchange);
        return;
    }
    if (path == "/") {
        serveIndex(exchange);
        return;
    }
    respondOutcome(exchange, 404, u"not-found", QStringLiteral("Nothing is served at this path."));
}

void GatewayHandler::serveHealth(Http::ServerExchange *exchange)
{
    const QJsonObject health {{QStringLiteral("status"), QStringLiteral("ok")},
                              {QStringLiteral("version"), versionString()},
                              {QStringLiteral("instance"), m_config.instanceId}};
    exchange->respond(200, jsonHeaders(), QJsonDocument(health).toJson(QJsonDocument::Compact));
}

void GatewayHandler::serveIndex(Http::ServerExchange *exchange)
{
    QJsonArray servers;
    for (const FhirServerConfig &server : m_config.fhirServers) {
        servers.append(QJsonObject {
            {QStringLiteral("id"), server.id},
            {QStringLiteral("name"), server.name},
            {QStringLiteral("fhirBase"), QString::fromUtf8(m_baseUrl + "/fhir/") + server.id}});
    }
    const QJsonObject index {{QStringLiteral("product"), QStringLiteral("Proxy Smart")},
                             {QStringLiteral("version"), versionString()},
                             {QStringLiteral("fhirServers"), servers}};
    exchange->respond(200, jsonHeaders(), QJsonDocument(index).toJson(QJsonDocument::Compact));
}

void GatewayHandler::serveFhir(Http::ServerExchange *exchange, QByteArrayView pathUnderFhir)
{
    const qsizetype slash = pathUnderFhir.indexOf('/');
    const QString serverId =
        QString::fromUtf8(slash < 0 ? pathUnderFhir : pathUnderFhir.first(slash));
    if (!m_config.fhirServer(serverId)) {
        respondOutcome(
            exchange, 404, u"not-found",
            QStringLiteral("No FHIR server \"%1\" is configured on this gateway.").arg(serverId));
        return;
    }
    // Limitation: no token issuer is wired into the pipeline yet, so every FHIR
    // request is refused as unauthenticated.
    Http::HttpHeaders headers = jsonHeaders("application/fhir+json");
    headers.add("WWW-Authenticate", "Bearer realm=\"proxy-smart\"");
    respondOutcome(exchange, 401, u"login", QStringLiteral("A valid bearer token is required."),
                   headers);
}

} // namespace ProxySmart
