#pragma once

#include "core/GatewayConfig.h"

#include <QJsonObject>
#include <QObject>

#include <memory>

class QNetworkAccessManager;

namespace ProxySmart {

namespace Http {
class HttpServer;
}
namespace Jose {
class JwksFetcher;
}
class AuditLog;
struct GatewayServices;

// The HTTP face of the engine, shared by the GUI and proxy-smartd: one
// HttpServer with a GatewayHandler on every core.
class Gateway : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Running, Failed };
    Q_ENUM(State)

    explicit Gateway(QObject *parent = nullptr);
    ~Gateway() override;

    // Starts serving with config; on failure the state is Failed and
    // errorString() says why. Starting a running gateway restarts it.
    // threads 0 means one per core.
    bool start(const GatewayConfig &config, int threads = 0);
    void stop();

    State state() const { return m_state; }
    QString errorString() const { return m_error; }
    quint16 port() const { return m_port; }
    QUrl baseUrl() const;
    const GatewayConfig &config() const { return m_config; }

    // The JWKS fetcher of the configured issuers (null without URL issuers),
    // e.g. to wait for the first key set.
    Jose::JwksFetcher *jwksFetcher() const { return m_fetcher.get(); }
    // Writes out what the audit log holds (also done on stop()).
    void flushAudit();

signals:
    void stateChanged(ProxySmart::Gateway::State state);
    // One audit record per FHIR request, emitted on the gateway's thread;
    // never a token or secret.
    void auditRecorded(const QJsonObject &record);

private:
    void setState(State state, const QString &error = {});
    QString prepareServices(const GatewayConfig &config, GatewayServices *services);
    void releaseServices();
    static bool hasUrlIssuer(const GatewayConfig &config);

    GatewayConfig m_config;
    std::unique_ptr<Http::HttpServer> m_server;
    std::shared_ptr<GatewayServices> m_services;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unique_ptr<Jose::JwksFetcher> m_fetcher;
    State m_state = State::Stopped;
    QString m_error;
    quint16 m_port = 0;
};

} // namespace ProxySmart
