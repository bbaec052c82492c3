#include "GatewayController.h"
#include "MainWindow.h"
#include "TrayIcon.h"

#include <QAction>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QTest>

using namespace ProxySmart;

namespace {

GatewayConfig ephemeralConfig()
{
    GatewayConfig config;
    config.listenPort = 0;
    return config;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void dashboardStartsAndStopsTheGateway();
    void dashboardShowsWhyTheGatewayFailed();
    void trayMenuFollowsTheGatewayState();
    void closingKeepsTheGatewayInTheTray();
};

void TestMainWindow::dashboardStartsAndStopsTheGateway()
{
    Ui::GatewayController controller(ephemeralConfig());
    Ui::MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto *state = window.findChild<QLabel *>(QStringLiteral("gatewayStateLabel"));
    auto *address = window.findChild<QLabel *>(QStringLiteral("gatewayAddressLabel"));
    auto *toggle = window.findChild<QPushButton *>(QStringLiteral("gatewayToggleButton"));
    QVERIFY(state && address && toggle);
    QCOMPARE(state->text(), QStringLiteral("Stopped"));

    QTest::mouseClick(toggle, Qt::LeftButton);
    QTRY_COMPARE(state->text(), QStringLiteral("Running"));
    QVERIFY(controller.isRunning());
    QVERIFY(address->text().startsWith(u"http://127.0.0.1:"));
    QCOMPARE(toggle->text(), QStringLiteral("Stop gateway"));

    QTest::mouseClick(toggle, Qt::LeftButton);
    QTRY_COMPARE(state->text(), QStringLiteral("Stopped"));
    QVERIFY(!controller.isRunning());
}

void TestMainWindow::dashboardShowsWhyTheGatewayFailed()
{
    GatewayConfig config = ephemeralConfig();
    config.listenAddress = QHostAddress(QHostAddress::AnyIPv4);
    Ui::GatewayController controller(config);
    Ui::MainWindow window(&controller);
    window.show();
    QVERIFY(!controller.start());
    auto *state = window.findChild<QLabel *>(QStringLiteral("gatewayStateLabel"));
    auto *error = window.findChild<QLabel *>(QStringLiteral("gatewayErrorLabel"));
    QCOMPARE(state->text(), QStringLiteral("Failed"));
    QVERIFY(error->isVisible());
    QVERIFY(error->text().contains(u"loopback"));
}

void TestMainWindow::trayMenuFollowsTheGatewayState()
{
    Ui::GatewayController controller(ephemeralConfig());
    Ui::TrayIcon tray(&controller);
    QMenu *menu = tray.contextMenu();
    QVERIFY(menu);
    auto *toggle = menu->findChild<QAction *>(QStringLiteral("trayToggleAction"));
    QVERIFY(toggle);
    QCOMPARE(toggle->text(), QStringLiteral("Start gateway"));
    toggle->trigger();
    QVERIFY(controller.isRunning());
    QCOMPARE(toggle->text(), QStringLiteral("Stop gateway"));
    QVERIFY(tray.toolTip().contains(controller.baseUrl().toString()));
    toggle->trigger();
    QVERIFY(!controller.isRunning());
}

void TestMainWindow::closingKeepsTheGatewayInTheTray()
{
    Ui::GatewayController controller(ephemeralConfig());
    Ui::MainWindow window(&controller);
    window.setKeepRunningInTray(true);
    window.show();
    QVERIFY(controller.start());
    window.close();
    QVERIFY(!window.isVisible());
    QVERIFY(controller.isRunning());

    window.setKeepRunningInTray(false);
    window.show();
    QVERIFY(window.close());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
