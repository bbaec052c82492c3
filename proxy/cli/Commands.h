#pragma once

#include "cli/Cli.h"

// One function per top-level command of proxy-smartd; each parses its own
// arguments and returns an ExitCode.
namespace ProxySmart::Cli {

int serveCommand(const QStringList &arguments, Io &io);

} // namespace ProxySmart::Cli
