#include "gateway/Forwarder.h"

#include "core/Logging.h"
#include "gateway/OperationOutcome.h"
#include "gateway/UrlRewriter.h"
#include "http/ServerExchange.h"

#include <QPointer>

namespace ProxySmart {

namespace {

constexpr qint64 highWater = 1024 * 1024;

// Request fields that never go upstream besides the hop-by-hop ones: the
// app's credentials are for the gateway alone, framing is redone, and the
// upstream is asked for identity encoding so URLs can be rewritten.
constexpr QByteArrayView droppedRequestFields[] = {
    "authorization",     "cookie",          "host",
    "content-length",    "expect",          "accept-encoding",
    "forwarded",         "x-forwarded-for", "x-forwarded-host",
    "x-forwarded-proto", "x-real-ip"};

// Response fields that never reach the client besides the hop-by-hop ones.
constexpr QByteArrayView droppedResponseFields[] = {"content-length", "set-cookie", "server"};

bool isTextual(QByteArrayView contentType)
{
    return contentType.contains("json") || contentType.contains("xml")
        || contentType.startsWith("text/");
}

struct ForwardState
{
    QPointer<Http::ServerExchange> exchange;
    QPointer<Http::UpstreamExchange> upstream;
    std::unique_ptr<UrlRewriter> bodyRewriter;
    std::function<void(const ForwardResult &)> done;
    ForwardResult result;
    QElapsedTimer timer;
    bool finished = false;

    void finish()
    {
        if (finished)
            return;
        finished = true;
        result.latencyMs = timer.elapsed();
        if (done)
            done(result);
    }
};

} // namespace

Forwarder::Forwarder(Http::UpstreamOptions options, QObject *parent)
    : QObject(parent)
    , m_client(options, this)
{ }

Http::HttpHeaders Forwarder::upstreamRequestHeaders(const Http::HttpHeaders &client,
                                                    const ForwardTarget &target,
                                                    const QByteArray &clientAddress)
{
    Http::HttpHeaders headers = client;
    headers.removeHopByHop();
    for (QByteArrayView name : droppedRequestFields)
        headers.remove(name);
    for (const auto &[name, value] : target.upstreamHeaders.fields())
        headers.set(name, value);
    headers.add("X-Forwarded-For", clientAddress);
    return headers;
}

void Forwarder::forward(Http::ServerExchange *exchange, const ForwardTarget &target,
                        const QByteArray &pathAndQuery,
                        std::function<void(const ForwardResult &)> done)
{
    auto state = std::make_shared<ForwardState>();
    state->exchange = exchange;
    state->done = std::move(done);
    state->timer.start();

    const Http::HttpRequest &request = exchange->request();
    const qint64 bodyLength = request.chunked ? -1 : qMax<qint64>(request.contentLength, 0);
    const QByteArray target_ = target.upstreamPathPrefix + pathAndQuery;
    Http::UpstreamExchange *upstream = m_client.send(
        target.endpoint, request.method, target_.isEmpty() ? QByteArrayLiteral("/") : target_,
        upstreamRequestHeaders(request.headers, target, request.peerAddress.toString().toUtf8()),
        bodyLength);
    state->upstream = upstream;
    const UrlRewriter headerRewriter(target.upstreamBaseUrl, target.gatewayBaseUrl);

    // Client → upstream, with back-pressure both ways.
    if (request.hasBody()) {
        exchange->onBody(
            [state](QByteArrayView data) {
                if (!state->upstream)
                    return;
                state->upstream->writeBody(data);
                if (state->upstream && state->upstream->bufferedRequestBytes() > highWater
                    && state->exchange)
                    state->exchange->pauseBody();
            },
            [state] {
                if (state->upstream)
                    state->upstream->endBody();
            });
        connect(upstream, &Http::UpstreamExchange::requestBodyDrained, exchange, [state] {
            if (state->exchange)
                state->exchange->resumeBody();
        });
    }

    connect(upstream, &Http::UpstreamExchange::responseHead, exchange,
            [state, headerRewriter, target](int status, const Http::HttpHeaders &upstreamHeaders) {
                if (!state->exchange)
                    return;
                state->result.upstreamStatus = status;
                Http::HttpHeaders headers = upstreamHeaders;
                const qint64 length = headers.contains("content-length")
                    ? headers.value("content-length").toLongLong()
                    : -1;
                headers.removeHopByHop();
                for (QByteArrayView name : droppedResponseFields)
                    headers.remove(name);
                for (QByteArrayView name :
                     {QByteArrayView("location"), QByteArrayView("content-location")}) {
                    const QByteArray value = headers.value(name);
                    if (!value.isEmpty())
                        headers.set(name.toByteArray(), headerRewriter.rewrite(value));
                }
                const QByteArray encoding = upstreamHeaders.value("content-encoding");
                const bool rewritable = !headerRewriter.isIdentity()
                    && isTextual(upstreamHeaders.value("content-type"))
                    && (encoding.isEmpty() || encoding == "identity");
                if (rewritable)
                    state->bodyRewriter = std::make_unique<UrlRewriter>(target.upstreamBaseUrl,
                                                                        target.gatewayBaseUrl);
                state->result.status = status;
                state->exchange->writeHead(status, headers, rewritable ? -1 : length);
            });
    connect(upstream, &Http::UpstreamExchange::responseData, exchange,
            [state](const QByteArray &data) {
                if (!state->exchange)
                    return;
                state->exchange->write(state->bodyRewriter
                                           ? QByteArrayView(state->bodyRewriter->feed(data))
                                           : QByteArrayView(data));
                if (state->upstream && state->exchange->bufferedOutputBytes() > highWater)
                    state->upstream->setResponsePaused(true);
            });
    connect(exchange, &Http::ServerExchange::outputDrained, upstream, [state] {
        if (state->upstream)
            state->upstream->setResponsePaused(false);
    });
    connect(upstream, &Http::UpstreamExchange::responseEnd, exchange, [state] {
        if (state->exchange) {
            if (state->bodyRewriter)
                state->exchange->write(state->bodyRewriter->finish());
            state->exchange->end();
        }
        state->finish();
    });
    connect(upstream, &Http::UpstreamExchange::failed, exchange,
            [state](const Http::UpstreamError &error) {
                state->result.error = error.message;
                qCWarning(lcGateway).noquote() << "upstream failed:" << error.message;
                if (state->exchange && !state->exchange->isHeadSent()) {
                    const int status = error.isTimeout() ? 504 : 502;
                    Http::HttpHeaders headers;
                    headers.add("Content-Type", "application/fhir+json");
                    state->result.status = status;
                    state->exchange->respond(
                        status, headers,
                        operationOutcome(
                            u"error", error.isTimeout() ? u"timeout" : u"transient",
                            error.isTimeout()
                                ? QStringLiteral("The FHIR server did not answer in time.")
                                : QStringLiteral("The FHIR server could not be reached.")));
                } else if (state->exchange) {
                    state->exchange->abort(); // a response cut short must look cut short
                }
                state->finish();
            });
    connect(exchange, &Http::ServerExchange::clientGone, upstream, [state] {
        state->result.status = 0;
        if (state->upstream)
            state->upstream->abort();
        state->finish();
    });
}

} // namespace ProxySmart
