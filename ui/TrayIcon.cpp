#include "TrayIcon.h"

#include "GatewayController.h"

#include <QAction>
#include <QIcon>
#include <QMenu>

namespace ProxySmart::Ui {

TrayIcon::TrayIcon(GatewayController *controller, QObject *parent)
    : QSystemTrayIcon(parent)
    , m_controller(controller)
{
    auto *menu = new QMenu();
    menu->setObjectName(QStringLiteral("trayMenu"));
    auto *openAction = menu->addAction(tr("Open Proxy Smart"));
    openAction->setObjectName(QStringLiteral("trayOpenAction"));
    m_toggleAction = menu->addAction(tr("Start gateway"));
    m_toggleAction->setObjectName(QStringLiteral("trayToggleAction"));
    menu->addSeparator();
    auto *quitAction = menu->addAction(tr("Quit"));
    quitAction->setObjectName(QStringLiteral("trayQuitAction"));
    setContextMenu(menu);
    connect(this, &QObject::destroyed, menu, &QObject::deleteLater);

    connect(openAction, &QAction::triggered, this, &TrayIcon::showWindowRequested);
    connect(m_toggleAction, &QAction::triggered, controller, &GatewayController::toggle);
    connect(quitAction, &QAction::triggered, this, &TrayIcon::quitRequested);
    connect(this, &QSystemTrayIcon::activated, this, [this](ActivationReason reason) {
        if (reason == Trigger || reason == DoubleClick)
            emit showWindowRequested();
    });
    connect(controller, &GatewayController::stateChanged, this, &TrayIcon::updateState);
    updateState(controller->state());
}

void TrayIcon::updateState(Gateway::State state)
{
    switch (state) {
    case Gateway::State::Running:
        setIcon(QIcon(QStringLiteral(":/icons/tray-running.svg")));
        setToolTip(
            tr("Proxy Smart: gateway running at %1").arg(m_controller->baseUrl().toString()));
        m_toggleAction->setText(tr("Stop gateway"));
        break;
    case Gateway::State::Stopped:
        setIcon(QIcon(QStringLiteral(":/icons/tray-stopped.svg")));
        setToolTip(tr("Proxy Smart: gateway stopped"));
        m_toggleAction->setText(tr("Start gateway"));
        break;
    case Gateway::State::Failed:
        setIcon(QIcon(QStringLiteral(":/icons/tray-error.svg")));
        setToolTip(tr("Proxy Smart: %1").arg(m_controller->errorString()));
        m_toggleAction->setText(tr("Start gateway"));
        break;
    }
}

} // namespace ProxySmart::Ui
