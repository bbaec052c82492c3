#include "GatewayController.h"

namespace ProxySmart::Ui {

GatewayController::GatewayController(GatewayConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    connect(&m_gateway, &Gateway::stateChanged, this, &GatewayController::stateChanged);
}

bool GatewayController::start()
{
    return m_gateway.start(m_config);
}

void GatewayController::stop()
{
    m_gateway.stop();
}

void GatewayController::toggle()
{
    if (isRunning())
        stop();
    else
        start();
}

} // namespace ProxySmart::Ui
