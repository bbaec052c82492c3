#include "cli/Cli.h"

#include "cli/Commands.h"
#include "core/Version.h"

namespace ProxySmart::Cli {

namespace {

// The command table; `proxy-smartd help` lists it in this order.
const Command commands[] = {
    {u"serve", u"Run the gateway headless (serve --config FILE).", &serveCommand},
    {u"keycloak", u"Prepare a Keycloak realm for SMART (keycloak setup --help).", &keycloakCommand},
    {u"apps", u"SMART apps: list, show, register, update, delete, rotate-secret.", &appsCommand},
    {u"users", u"Users and their fhirUser: list, show, link.", &usersCommand},
    {u"authz", u"Explain an authorization decision (authz explain --help).", &authzCommand},
    {u"token", u"Verify a token against a JWKS (token verify --help).", &tokenCommand},
};

} // namespace

QString usage()
{
    QString text = QStringLiteral("Usage: proxy-smartd [--version | --help] COMMAND [ARGS...]\n\n"
                                  "Proxy Smart %1: OAuth 2.0 and SMART App Launch authorization "
                                  "for FHIR servers.\n\nCommands:\n")
                       .arg(versionString());
    for (const Command &command : commands)
        text += QStringLiteral("  %1  %2\n").arg(command.name.toString(), -10).arg(command.summary);
    text += QStringLiteral("\nRun `proxy-smartd COMMAND --help` for a command's options.\n"
                           "Exit codes: 0 success, 1 refused or failed, 2 wrong usage.\n");
    return text;
}

int run(const QStringList &arguments, Io &io)
{
    if (arguments.isEmpty()) {
        io.err << usage();
        return ExitUsage;
    }
    const QString first = arguments.first();
    if (first == u"--version" || first == u"-V" || first == u"version") {
        io.out << "proxy-smartd " << versionString() << Qt::endl;
        return ExitOk;
    }
    if (first == u"--help" || first == u"-h" || first == u"help") {
        io.out << usage();
        return ExitOk;
    }
    for (const Command &command : commands) {
        if (command.name == first)
            return command.run(arguments.mid(1), io);
    }
    io.err << "proxy-smartd: unknown command \"" << first << "\"\n\n" << usage();
    return ExitUsage;
}

} // namespace ProxySmart::Cli
