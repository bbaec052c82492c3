#include "cli/Commands.h"
#include "cli/SignalWatcher.h"
#include "core/GatewayConfig.h"
#include "core/Logging.h"
#include "gateway/Gateway.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace ProxySmart::Cli {

int serveCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Run the gateway headless."));
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Gateway config file (JSON)."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption portOption(QStringLiteral("port"),
                                        QStringLiteral("Listen port, overriding the config."),
                                        QStringLiteral("PORT"));
    const QCommandLineOption helpOption(QStringList {QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Show this help."));
    parser.addOptions({configOption, portOption, helpOption});
    if (!parser.parse(QStringList {QStringLiteral("proxy-smartd serve")} + arguments)) {
        io.err << "proxy-smartd serve: " << parser.errorText() << "\n";
        return ExitUsage;
    }
    if (parser.isSet(helpOption)) {
        io.out << parser.helpText();
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty()) {
        io.err << "proxy-smartd serve: unexpected argument \""
               << parser.positionalArguments().first() << "\"\n";
        return ExitUsage;
    }

    GatewayConfig config;
    if (parser.isSet(configOption)) {
        auto loaded = GatewayConfig::fromFile(parser.value(configOption));
        if (!loaded) {
            io.err << "proxy-smartd serve: " << loaded.error().message << "\n";
            return ExitFailure;
        }
        config = loaded.value();
    }
    auto withEnv = config.withEnvironment(QProcessEnvironment::systemEnvironment());
    if (!withEnv) {
        io.err << "proxy-smartd serve: " << withEnv.error().message << "\n";
        return ExitFailure;
    }
    config = withEnv.value();
    if (parser.isSet(portOption)) {
        bool ok = false;
        const uint port = parser.value(portOption).toUInt(&ok);
        if (!ok || port > 65535) {
            io.err << "proxy-smartd serve: --port must be a number from 0 to 65535\n";
            return ExitUsage;
        }
        config.listenPort = static_cast<quint16>(port);
    }

    Gateway gateway;
    if (!gateway.start(config)) {
        io.err << "proxy-smartd serve: " << gateway.errorString() << "\n";
        return ExitFailure;
    }
    io.out << "proxy-smartd: serving on " << gateway.baseUrl().toString() << Qt::endl;

    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, qApp, [](int signalNumber) {
        qCInfo(lcGateway) << "signal" << signalNumber << "received; shutting down";
        QCoreApplication::quit();
    });
    const int status = QCoreApplication::exec();
    gateway.stop();
    return status == 0 ? ExitOk : ExitFailure;
}

} // namespace ProxySmart::Cli
