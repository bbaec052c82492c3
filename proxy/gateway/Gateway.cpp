#include "gateway/Gateway.h"

#include "core/Logging.h"
#include "gateway/AssignmentCache.h"
#include "gateway/AuditLog.h"
#include "gateway/GatewayHandler.h"
#include "gateway/GatewayServices.h"
#include "http/HttpServer.h"
#include "jose/JwksFetcher.h"
#include "jose/TokenVerifier.h"

#include <QFile>
#include <QNetworkAccessManager>

namespace ProxySmart {

Gateway::Gateway(QObject *parent)
    : QObject(parent)
{ }

Gateway::~Gateway()
{
    stop();
}

bool Gateway::start(const GatewayConfig &config, int threads)
{
    stop();
    m_config = config;
    if (auto allowed = config.validateListen(); !allowed) {
        setState(State::Failed, allowed.error().message);
        return false;
    }

    if (auto pipeline = config.validatePipeline(); !pipeline) {
        setState(State::Failed, pipeline.error().message);
        return false;
    }
    auto services = std::make_shared<GatewayServices>();
    if (auto error = prepareServices(config, services.get()); !error.isEmpty()) {
        setState(State::Failed, error);
        return false;
    }

    Http::HttpServer::Options options;
    options.address = config.listenAddress;
    options.port = config.listenPort;
    options.threads = threads;
    m_server = std::make_unique<Http::HttpServer>();
    // The handler of each thread gets its own copy of the config once the
    // port is known, so no request reads shared mutable state.
    auto handlerConfig = std::make_shared<GatewayConfig>(config);
    std::shared_ptr<const GatewayServices> shared = services;
    auto port = m_server->start(options, [handlerConfig, shared] {
        return std::make_unique<GatewayHandler>(*handlerConfig, shared);
    });
    if (!port) {
        m_server.reset();
        releaseServices();
        setState(State::Failed,
                 tr("Cannot listen on %1:%2. Is another program using the port? (%3)")
                     .arg(config.listenAddress.toString())
                     .arg(config.listenPort)
                     .arg(port.error().message));
        return false;
    }
    m_port = *port;
    m_config.listenPort = m_port;
    m_services = services;
    if (m_services->verifier && hasUrlIssuer(config)) {
        m_network = std::make_unique<QNetworkAccessManager>();
        m_fetcher = std::make_unique<Jose::JwksFetcher>(m_services->verifier, m_network.get());
        m_fetcher->start();
    }
    qCInfo(lcGateway).noquote() << "listening on" << baseUrl().toString() << "with"
                                << config.fhirServers.size() << "FHIR server(s)";
    setState(State::Running);
    return true;
}

void Gateway::stop()
{
    if (!m_server)
        return;
    m_server.reset();
    releaseServices();
    m_port = 0;
    qCInfo(lcGateway) << "stopped";
    setState(State::Stopped);
}

void Gateway::flushAudit()
{
    if (m_services && m_services->audit)
        m_services->audit->flush();
}

void Gateway::releaseServices()
{
    m_fetcher.reset();
    m_network.reset();
    if (m_services && m_services->audit)
        m_services->audit->flush();
    m_services.reset();
}

bool Gateway::hasUrlIssuer(const GatewayConfig &config)
{
    for (const TokenIssuerConfig &issuer : config.tokenIssuers) {
        if (!issuer.jwksUri.isEmpty())
            return true;
    }
    return false;
}

QString Gateway::prepareServices(const GatewayConfig &config, GatewayServices *services)
{
    if (!config.tokenIssuers.isEmpty()) {
        QList<Jose::IssuerConfig> issuers;
        for (const TokenIssuerConfig &issuer : config.tokenIssuers) {
            Jose::IssuerConfig jose;
            jose.issuer = issuer.issuer;
            jose.audience = issuer.audience;
            jose.jwksUrl = issuer.jwksUri;
            jose.staticJwks = issuer.jwks;
            jose.leewaySecs = issuer.leewaySeconds;
            for (const QString &name : issuer.algorithms) {
                const auto algorithm = Jose::jwsAlgorithmFromName(name);
                if (!algorithm)
                    return tr("Token issuer %1: the algorithm \"%2\" is not known.")
                        .arg(issuer.issuer, name);
                jose.allowedAlgorithms.append(*algorithm);
            }
            issuers.append(jose);
        }
        auto verifier = Jose::TokenVerifier::create(issuers);
        if (!verifier)
            return verifier.error().message;
        services->verifier = verifier.value();
    }
    for (const FhirServerConfig &server : config.fhirServers) {
        if (server.auth == FhirServerConfig::UpstreamAuth::StaticHeader) {
            QByteArray value;
            if (!server.authValueEnv.isEmpty()) {
                value = qgetenv(server.authValueEnv.toLocal8Bit().constData());
            } else {
                QFile file(server.authValueFile);
                if (file.open(QIODevice::ReadOnly))
                    value = file.read(64 * 1024).trimmed();
            }
            if (value.isEmpty() || value.contains('\n') || value.contains('\r'))
                return tr("FHIR server %1: the upstream credential could not be read from %2.")
                    .arg(server.id,
                         server.authValueEnv.isEmpty() ? server.authValueFile
                                                       : QStringLiteral("$") + server.authValueEnv);
            services->upstreamAuthValues.insert(server.id, value);
        } else if (server.auth != FhirServerConfig::UpstreamAuth::None) {
            // Limitation: client-credentials and mutual-TLS upstream authentication are not
            // implemented; the gateway refuses to start rather than call the server without.
            return tr("FHIR server %1: this upstream authentication type is not available yet.")
                .arg(server.id);
        }
    }
    services->assignments = std::make_shared<AssignmentCache>(config.roleFiltering.cacheSeconds);
    // Records come from the worker threads; the signal is emitted on the
    // gateway's own thread, so receivers never see another thread.
    services->audit = std::make_shared<AuditLog>(config.audit, [this](const QJsonObject &record) {
        QMetaObject::invokeMethod(
            this, [this, record] { emit auditRecorded(record); }, Qt::QueuedConnection);
    });
    if (!config.audit.file.isEmpty() && !services->audit->errorString().isEmpty())
        return tr("Cannot write the audit log %1: %2")
            .arg(config.audit.file, services->audit->errorString());
    return {};
}

QUrl Gateway::baseUrl() const
{
    return m_config.effectiveBaseUrl();
}

void Gateway::setState(State state, const QString &error)
{
    m_error = error;
    if (state == State::Failed)
        qCWarning(lcGateway).noquote() << "failed:" << error;
    if (m_state == state && state != State::Failed)
        return;
    m_state = state;
    emit stateChanged(state);
}

} // namespace ProxySmart
