#pragma once

#include <QLoggingCategory>

// One category per area of proxy/. Never log a token, secret or key: log what
// was decided and why, with identifiers that are not credentials.
Q_DECLARE_LOGGING_CATEGORY(lcCore)
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcGateway)
