#pragma once

#include <QtGlobal>

namespace ProxySmart::Http {

// Bounds on what one client may send and how long it may take. Anything
// beyond them is refused with the matching status (400, 408, 413, 414, 431)
// and the connection is closed.
struct HttpLimits
{
    qsizetype maxRequestTargetBytes = 8 * 1024; // 414
    qsizetype maxHeaderBytes = 32 * 1024; // 431, request line excluded
    int maxHeaderFields = 100; // 431
    qint64 maxBodyBytes = 16 * 1024 * 1024; // 413
    int headerTimeoutMs = 10'000; // first byte to end of headers (408)
    int bodyIdleTimeoutMs = 30'000; // between two pieces of a request body (408)
    int keepAliveTimeoutMs = 60'000; // idle connection between requests
    int maxRequestsPerConnection = 10'000;
};

} // namespace ProxySmart::Http
