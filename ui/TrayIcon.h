#pragma once

#include "gateway/Gateway.h"

#include <QSystemTrayIcon>

class QAction;

namespace ProxySmart::Ui {

class GatewayController;

// The tray face: the icon shows whether the gateway runs; the menu starts and
// stops it, opens the window and quits.
class TrayIcon : public QSystemTrayIcon
{
    Q_OBJECT

public:
    TrayIcon(GatewayController *controller, QObject *parent = nullptr);

signals:
    void showWindowRequested();
    void quitRequested();

private:
    void updateState(Gateway::State state);

    GatewayController *m_controller;
    QAction *m_toggleAction;
};

} // namespace ProxySmart::Ui
