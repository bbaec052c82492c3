#pragma once

#include "core/GatewayConfig.h"
#include "http/HttpServer.h"

namespace ProxySmart {

// Answers the gateway's requests on one worker thread. Routes:
//   /health            liveness, JSON
//   /                  what this gateway serves, JSON
//   /fhir/{server}/…   the FHIR servers, through the enforcement pipeline
class GatewayHandler : public Http::HttpHandler
{
public:
    explicit GatewayHandler(GatewayConfig config);

    void handle(Http::ServerExchange *exchange) override;

private:
    void serveHealth(Http::ServerExchange *exchange);
    void serveIndex(Http::ServerExchange *exchange);
    void serveFhir(Http::ServerExchange *exchange, QByteArrayView pathUnderFhir);

    GatewayConfig m_config;
    QByteArray m_baseUrl;
};

} // namespace ProxySmart
