#pragma once

#include "http/HttpHeaders.h"

#include <QHostAddress>

namespace ProxySmart::Http {

// A request's head as it arrived. Path and query stay percent-encoded: what
// they mean is decided by whoever routes them, never by the transport.
struct HttpRequest
{
    QByteArray method;
    QByteArray target; // the raw request-target
    QByteArray path; // target up to '?'
    QByteArray query; // after '?', without it
    HttpHeaders headers;
    int versionMinor = 1; // HTTP/1.x
    bool keepAlive = true;
    bool chunked = false;
    qint64 contentLength = -1; // -1: none given (chunked or no body)
    QHostAddress peerAddress;
    quint16 peerPort = 0;

    bool hasBody() const { return chunked || contentLength > 0; }
    bool isHead() const { return method == "HEAD"; }
};

} // namespace ProxySmart::Http
