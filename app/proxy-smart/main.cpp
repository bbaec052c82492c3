// proxy-smart: the admin GUI with the embedded gateway.
#include "GatewayController.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "core/GatewayConfig.h"
#include "core/Version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>

#include <cstdio>

using namespace ProxySmart;

namespace {

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

} // namespace

int main(int argc, char *argv[])
{
    if (!hasDisplay()) {
        std::fputs("proxy-smart: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                   "To run the gateway without a desktop, use the headless daemon:\n"
                   "    build/app/proxy-smartd serve [--config FILE]\n"
                   "or start the GUI on a virtual display: xvfb-run -a build/app/proxy-smart\n",
                   stderr);
        return 2;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("proxy-smart"));
    QApplication::setApplicationDisplayName(QStringLiteral("Proxy Smart"));
    QApplication::setOrganizationName(QStringLiteral("proxy-smart"));
    QApplication::setApplicationVersion(versionString());
    QApplication::setQuitOnLastWindowClosed(false);

    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("proxysmart"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Proxy Smart admin and gateway"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(
        QStringLiteral("config"), QApplication::translate("main", "Gateway config file (JSON)."),
        QStringLiteral("FILE"));
    const QCommandLineOption minimizedOption(
        QStringLiteral("minimized"),
        QApplication::translate("main", "Start in the tray without opening the window."));
    const QCommandLineOption exitAfterOption(
        QStringLiteral("exit-after"),
        QApplication::translate("main", "Quit after MS milliseconds (for smoke tests)."),
        QStringLiteral("MS"));
    parser.addOptions({configOption, minimizedOption, exitAfterOption});
    parser.process(app);

    GatewayConfig config;
    if (parser.isSet(configOption)) {
        auto loaded = GatewayConfig::fromFile(parser.value(configOption));
        if (!loaded) {
            std::fprintf(stderr, "proxy-smart: %s\n", qPrintable(loaded.error().message));
            return 1;
        }
        config = loaded.value();
    }
    auto withEnv = config.withEnvironment(QProcessEnvironment::systemEnvironment());
    if (!withEnv) {
        std::fprintf(stderr, "proxy-smart: %s\n", qPrintable(withEnv.error().message));
        return 1;
    }

    Ui::GatewayController controller(withEnv.value());
    Ui::MainWindow window(&controller);
    Ui::TrayIcon tray(&controller);
    const bool trayAvailable = QSystemTrayIcon::isSystemTrayAvailable();
    window.setKeepRunningInTray(trayAvailable);
    if (trayAvailable)
        tray.show();
    QObject::connect(&tray, &Ui::TrayIcon::showWindowRequested, &window, [&window] {
        window.showNormal();
        window.raise();
        window.activateWindow();
    });
    QObject::connect(&tray, &Ui::TrayIcon::quitRequested, &app, &QApplication::quit);
    QObject::connect(&app, &QApplication::lastWindowClosed, &app, [&] {
        if (!trayAvailable || !controller.isRunning())
            QApplication::quit();
    });

    if (controller.start())
        std::printf("proxy-smart: gateway serving on %s\n",
                    qPrintable(controller.baseUrl().toString()));
    else
        std::fprintf(stderr, "proxy-smart: %s\n", qPrintable(controller.errorString()));
    std::fflush(stdout);

    if (!parser.isSet(minimizedOption) || !trayAvailable)
        window.show();

    if (parser.isSet(exitAfterOption)) {
        bool ok = false;
        const int ms = parser.value(exitAfterOption).toInt(&ok);
        if (!ok || ms < 0) {
            std::fputs("proxy-smart: --exit-after needs a number of milliseconds\n", stderr);
            return 2;
        }
        QTimer::singleShot(ms, &app, &QApplication::quit);
    }
    const int status = QApplication::exec();
    controller.stop();
    return status;
}
