#pragma once

#include "http/HttpHeaders.h"
#include "http/UpstreamClient.h"

#include <QElapsedTimer>
#include <QObject>

#include <functional>

namespace ProxySmart {

namespace Http {
class ServerExchange;
}

// Where a FHIR server's requests go and how its URLs map to the gateway's.
struct ForwardTarget
{
    Http::UpstreamEndpoint endpoint;
    QByteArray upstreamPathPrefix; // e.g. "/fhir" for http://host:8080/fhir
    QByteArray upstreamBaseUrl; // e.g. "http://host:8080/fhir"
    QByteArray gatewayBaseUrl; // e.g. "https://gateway/fhir/hapi"
    Http::HttpHeaders upstreamHeaders; // credentials for the upstream, e.g. a static API key
};

// What happened to one forwarded request, for the audit line.
struct ForwardResult
{
    int status = 0; // what the client got; 0 if it went away first
    int upstreamStatus = 0; // 0 if the upstream never answered
    QString error; // why it failed, if it did
    qint64 latencyMs = 0;
};

// Streams a client's request to the upstream and the answer back, on one
// worker thread: hop-by-hop fields and the client's credentials never cross,
// absolute upstream URLs come back as gateway URLs, both directions have
// back-pressure, and a failing upstream becomes 502/504 with an
// OperationOutcome.
class Forwarder : public QObject
{
    Q_OBJECT

public:
    explicit Forwarder(Http::UpstreamOptions options = {}, QObject *parent = nullptr);

    // pathAndQuery is what follows the gateway's FHIR base, starting with '/'
    // (or empty), still percent-encoded. done is called once, at the end.
    void forward(Http::ServerExchange *exchange, const ForwardTarget &target,
                 const QByteArray &pathAndQuery,
                 std::function<void(const ForwardResult &)> done = {});

    Http::UpstreamClient &client() { return m_client; }

    // The request fields sent upstream for a client's request.
    static Http::HttpHeaders upstreamRequestHeaders(const Http::HttpHeaders &client,
                                                    const ForwardTarget &target,
                                                    const QByteArray &clientAddress);

private:
    Http::UpstreamClient m_client;
};

} // namespace ProxySmart
