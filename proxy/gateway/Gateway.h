#pragma once

#include "core/GatewayConfig.h"

#include <QObject>

#include <memory>

namespace ProxySmart {

namespace Http {
class HttpServer;
}

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

signals:
    void stateChanged(ProxySmart::Gateway::State state);

private:
    void setState(State state, const QString &error = {});

    GatewayConfig m_config;
    std::unique_ptr<Http::HttpServer> m_server;
    State m_state = State::Stopped;
    QString m_error;
    quint16 m_port = 0;
};

} // namespace ProxySmart
