#pragma once

#include <QStringList>
#include <QTextStream>

class QIODevice;

namespace ProxySmart::Cli {

// Exit codes every command keeps to, so scripts can tell a refusal from a
// mistake in the command line.
enum ExitCode : int {
    ExitOk = 0, // done; for checks: valid / allowed
    ExitFailure = 1, // the command ran and the answer is no, or the operation failed
    ExitUsage = 2, // the command line is wrong
};

// Where a command reads and writes; tests pass buffers.
struct Io
{
    QTextStream &out;
    QTextStream &err;
    QIODevice *in = nullptr;
};

using CommandFunction = int (*)(const QStringList &arguments, Io &io);

struct Command
{
    QStringView name;
    QStringView summary;
    CommandFunction run;
};

// Runs `proxy-smartd ARGS…` (arguments without the program name). Commands
// that serve run the application's event loop themselves.
int run(const QStringList &arguments, Io &io);

QString usage();

} // namespace ProxySmart::Cli
