#pragma once

#include <QLoggingCategory>

// proxysmart.proxy.jose: key sets fetched, refused, rotated. Never a token,
// a secret or key material; key ids and issuers only.
Q_DECLARE_LOGGING_CATEGORY(lcJose)
