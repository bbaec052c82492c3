#pragma once

#include "core/GatewayConfig.h"
#include "gateway/Gateway.h"

#include <QObject>

namespace ProxySmart::Ui {

// Owns the embedded gateway for the desktop app: the window and the tray
// both start, stop and observe it through this one object.
class GatewayController : public QObject
{
    Q_OBJECT

public:
    explicit GatewayController(GatewayConfig config, QObject *parent = nullptr);

    Gateway::State state() const { return m_gateway.state(); }
    QString errorString() const { return m_gateway.errorString(); }
    QUrl baseUrl() const { return m_gateway.baseUrl(); }
    bool isRunning() const { return state() == Gateway::State::Running; }

public slots:
    bool start();
    void stop();
    void toggle();

signals:
    void stateChanged(ProxySmart::Gateway::State state);

private:
    GatewayConfig m_config;
    Gateway m_gateway;
};

} // namespace ProxySmart::Ui
