#include "gateway/Gateway.h"

#include "core/Logging.h"
#include "core/Version.h"
#include "gateway/OperationOutcome.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>

namespace ProxySmart {

namespace {

const QByteArray fhirJson = QByteArrayLiteral("application/fhir+json");

QHttpServerResponse
jsonResponse(const QJsonObject &object,
             QHttpServerResponse::StatusCode status = QHttpServerResponse::StatusCode::Ok)
{
    return QHttpServerResponse(QByteArrayLiteral("application/json"),
                               QJsonDocument(object).toJson(QJsonDocument::Compact), status);
}

} // namespace

Gateway::Gateway(QObject *parent)
    : QObject(parent)
{ }

Gateway::~Gateway()
{
    stop();
}

bool Gateway::start(const GatewayConfig &config)
{
    stop();
    m_config = config;
    if (auto allowed = config.validateListen(); !allowed) {
        setState(State::Failed, allowed.error().message);
        return false;
    }

    m_server = std::make_unique<QHttpServer>();
    installRoutes();
    const quint16 port = m_server->listen(config.listenAddress, config.listenPort);
    if (port == 0) {
        m_server.reset();
        setState(State::Failed,
                 tr("Cannot listen on %1:%2. Is another program using the port?")
                     .arg(config.listenAddress.toString())
                     .arg(config.listenPort));
        return false;
    }
    m_port = port;
    m_config.listenPort = port;
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

void Gateway::installRoutes()
{
    m_server->route(QStringLiteral("/health"), [this] {
        return jsonResponse({{QStringLiteral("status"), QStringLiteral("ok")},
                             {QStringLiteral("version"), versionString()},
                             {QStringLiteral("instance"), m_config.instanceId}});
    });

    m_server->route(QStringLiteral("/"), [this] {
        QJsonArray servers;
        for (const FhirServerConfig &server : m_config.fhirServers) {
            servers.append(
                QJsonObject {{QStringLiteral("id"), server.id},
                             {QStringLiteral("name"), server.name},
                             {QStringLiteral("fhirBase"),
                              baseUrl().toString() + QStringLiteral("/fhir/") + server.id}});
        }
        return jsonResponse({{QStringLiteral("product"), QStringLiteral("Proxy Smart")},
                             {QStringLiteral("version"), versionString()},
                             {QStringLiteral("fhirServers"), servers}});
    });

    // Fail closed: until a request has passed every enforcement stage it is
    // refused, and a path the gateway does not serve is a FHIR 404.
    m_server->setMissingHandler([this](const QHttpServerRequest &request,
                                       QHttpServerResponder &&responder) {
        const QString path = request.url().path();
        if (path.startsWith(u"/fhir/")) {
            const QString serverId = path.section(u'/', 2, 2);
            if (!m_config.fhirServer(serverId)) {
                responder.write(
                    operationOutcome(u"error", u"not-found",
                                     QStringLiteral("No FHIR server \"%1\" is configured "
                                                    "on this gateway.")
                                         .arg(serverId)),
                    fhirJson, QHttpServerResponder::StatusCode::NotFound);
                return;
            }
            // Limitation: no token issuer is wired into the pipeline yet, so every FHIR
            // request is refused as unauthenticated.
            responder.write(operationOutcome(u"error", u"login",
                                             QStringLiteral("A valid bearer token is required.")),
                            {{QByteArrayLiteral("Content-Type"), fhirJson},
                             {QByteArrayLiteral("WWW-Authenticate"),
                              QByteArrayLiteral("Bearer realm=\"proxy-smart\"")}},
                            QHttpServerResponder::StatusCode::Unauthorized);
            return;
        }
        responder.write(operationOutcome(u"error", u"not-found",
                                         QStringLiteral("Nothing is served at this path.")),
                        fhirJson, QHttpServerResponder::StatusCode::NotFound);
    });
}

} // namespace ProxySmart
