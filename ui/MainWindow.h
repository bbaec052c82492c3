#pragma once

#include "gateway/Gateway.h"

#include <QMainWindow>

class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;

namespace ProxySmart::Ui {

class GatewayController;

// The admin window: a page list on the left, the chosen page on the right.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(GatewayController *controller, QWidget *parent = nullptr);

    // When true, closing the window hides it and the gateway keeps running
    // in the tray; when false, closing quits.
    void setKeepRunningInTray(bool keep) { m_keepRunningInTray = keep; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QWidget *createDashboardPage();
    void addPage(const QString &title, const QString &objectName, QWidget *page);
    void updateGatewayState(Gateway::State state);

    GatewayController *m_controller;
    QListWidget *m_navigation;
    QStackedWidget *m_pages;
    QLabel *m_gatewayStateLabel = nullptr;
    QLabel *m_gatewayAddressLabel = nullptr;
    QLabel *m_gatewayErrorLabel = nullptr;
    QPushButton *m_gatewayToggleButton = nullptr;
    bool m_keepRunningInTray = false;
};

} // namespace ProxySmart::Ui
