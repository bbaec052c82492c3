#pragma once

#include "cli/Cli.h"

// One function per top-level command of proxy-smartd; each parses its own
// arguments and returns an ExitCode.
namespace ProxySmart::Cli {

int authzCommand(const QStringList &arguments, Io &io);
int serveCommand(const QStringList &arguments, Io &io);
int keycloakCommand(const QStringList &arguments, Io &io);
int appsCommand(const QStringList &arguments, Io &io);
int usersCommand(const QStringList &arguments, Io &io);
int tokenCommand(const QStringList &arguments, Io &io);

} // namespace ProxySmart::Cli
