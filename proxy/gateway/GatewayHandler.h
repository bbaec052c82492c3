#pragma once

#include "authz/AuthzContext.h"
#include "authz/Decision.h"
#include "authz/FhirRequest.h"
#include "authz/ScopeSet.h"
#include "core/GatewayConfig.h"
#include "gateway/Forwarder.h"
#include "gateway/GatewayServices.h"
#include "http/HttpServer.h"
#include "jose/VerifiedToken.h"

#include <QHash>
#include <QJsonObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace ProxySmart {

// Answers the gateway's requests on one worker thread. Routes:
//   /health            liveness, JSON
//   /                  what this gateway serves, JSON
//   /fhir/{server}/…   the FHIR servers, through the enforcement pipeline:
//                      JWT → scopes → role-based filtering → upstream →
//                      response checks (README.md, section "Gateway
//                      pipeline", describes it)
class GatewayHandler : public Http::HttpHandler
{
public:
    explicit GatewayHandler(GatewayConfig config,
                            std::shared_ptr<const GatewayServices> services = {});
    ~GatewayHandler() override;

    void handle(Http::ServerExchange *exchange) override;

    // Largest upstream response buffered for checking; larger ones are refused.
    static constexpr qint64 maxCheckedResponseBytes = 32 * 1024 * 1024;

private:
    struct Flow;

    void serveHealth(Http::ServerExchange *exchange);
    void serveIndex(Http::ServerExchange *exchange);
    void serveFhir(Http::ServerExchange *exchange, QByteArrayView pathUnderFhir);

    // Pipeline steps; each either answers (and audits) or calls the next.
    void authenticate(const std::shared_ptr<Flow> &flow);
    void classify(const std::shared_ptr<Flow> &flow);
    void lookUpAssignments(const std::shared_ptr<Flow> &flow);
    void decide(const std::shared_ptr<Flow> &flow);
    void checkExisting(const std::shared_ptr<Flow> &flow, int index);
    void sendUpstream(const std::shared_ptr<Flow> &flow);
    void finishChecked(const std::shared_ptr<Flow> &flow, int status,
                       const Http::HttpHeaders &headers, QByteArray body);

    void refuse(const std::shared_ptr<Flow> &flow, int status, QStringView stage,
                const QString &reasonCode, const QString &message);
    void audit(const std::shared_ptr<Flow> &flow, int status);

    // A buffered GET (or other request) to a FHIR server, for look-ups.
    using FetchDone = std::function<void(int status, const Http::HttpHeaders &,
                                         const QByteArray &body, const QString &error)>;
    void fetch(const ForwardTarget &target, const QByteArray &method,
               const QByteArray &pathAndQuery, const Http::HttpHeaders &headers,
               const QByteArray &body, QObject *context, FetchDone done);

    struct CachedScopes
    {
        Authz::ScopeSet scopes;
        qint64 lastUsed = 0;
    };
    // A scope string is parsed once per worker thread: the parse depends on
    // nothing else, and many tokens of one app share the same string.
    const Authz::ScopeSet &scopesFor(const QString &scopeString);

    GatewayConfig m_config;
    std::shared_ptr<const GatewayServices> m_services;
    QByteArray m_baseUrl;
    QHash<QString, ForwardTarget> m_targets;
    std::unique_ptr<Forwarder> m_forwarder;
    QHash<QString, CachedScopes> m_scopeCache;
    qint64 m_scopeTick = 0;
};

} // namespace ProxySmart
