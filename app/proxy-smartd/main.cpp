// proxy-smartd: the engine without Widgets, for servers and scripts.
#include "cli/Cli.h"
#include "core/Version.h"

#include <QCoreApplication>
#include <QFile>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("proxy-smartd"));
    QCoreApplication::setOrganizationName(QStringLiteral("proxy-smart"));
    QCoreApplication::setApplicationVersion(ProxySmart::versionString());

    QTextStream out(stdout);
    QTextStream err(stderr);
    QFile in;
    in.open(stdin, QIODevice::ReadOnly);
    ProxySmart::Cli::Io io {out, err, &in};
    return ProxySmart::Cli::run(app.arguments().mid(1), io);
}
