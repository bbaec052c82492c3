#pragma once

#include <QLoggingCategory>

// The authorization engine's category. The engine logs decisions at debug
// level only (it runs on every request); it never logs a token or a scope
// string that came with one, only what was decided and why.
Q_DECLARE_LOGGING_CATEGORY(lcAuthz)
