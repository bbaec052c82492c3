#include "gateway/Gateway.h"

#include "core/Logging.h"
#include "gateway/GatewayHandler.h"
#include "http/HttpServer.h"

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

    Http::HttpServer::Options options;
    options.address = config.listenAddress;
    options.port = config.listenPort;
    options.threads = threads;
    m_server = std::make_unique<Http::HttpServer>();
    // The handler of each thread gets its own copy of the config once the
    // port is known, so no request reads shared mutable state.
    auto handlerConfig = std::make_shared<GatewayConfig>(config);
    auto port = m_server->start(
        options, [handlerConfig] { return std::make_unique<GatewayHandler>(*handlerConfig); });
    if (!port) {
        m_server.reset();
        setState(State::Failed,
                 tr("Cannot listen on %1:%2. Is another program using the port? (%3)")
                     .arg(config.listenAddress.toString())
                     .arg(config.listenPort)
                     .arg(port.error().message));
        return false;
    }
    m_port = *port;
    m_config.listenPort = m_port;
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
    m_port = 0;
    qCInfo(lcGateway) << "stopped";
    setState(State::Stopped);
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
