#pragma once

#include "core/GatewayConfig.h"

#include <QObject>

#include <memory>

class QHttpServer;

namespace ProxySmart {

// The HTTP face of the engine, shared by the GUI and proxy-smartd.
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
    bool start(const GatewayConfig &config);
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
    void installRoutes();

    GatewayConfig m_config;
    std::unique_ptr<QHttpServer> m_server;
    State m_state = State::Stopped;
    QString m_error;
    quint16 m_port = 0;
};

} // namespace ProxySmart
