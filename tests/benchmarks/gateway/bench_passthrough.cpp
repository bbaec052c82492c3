// The gateway's transport alone, for side-by-side runs with nginx:
//   bench_passthrough UPSTREAM_URL PORT [THREADS]
// forwards every request under /fhir/bench/ to UPSTREAM_URL through the
// HttpServer + Forwarder data path (no enforcement) and prints the port.
#include "gateway/Forwarder.h"
#include "http/HttpServer.h"
#include "http/ServerExchange.h"

#include <QCoreApplication>
#include <QUrl>

#include <cstdio>

using namespace ProxySmart;

namespace {

class PassThrough : public Http::HttpHandler
{
public:
    explicit PassThrough(ForwardTarget target)
        : m_target(std::move(target))
    { }

    void handle(Http::ServerExchange *exchange) override
    {
        const QByteArray &target = exchange->request().target;
        constexpr QByteArrayView prefix = "/fhir/bench";
        if (!target.startsWith(prefix)) {
            exchange->respond(404, {}, "not here\n");
            return;
        }
        m_forwarder.forward(exchange, m_target, target.mid(prefix.size()));
    }

private:
    ForwardTarget m_target;
    Forwarder m_forwarder;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fputs("usage: bench_passthrough UPSTREAM_URL PORT [THREADS]\n", stderr);
        return 2;
    }
    const QUrl upstream(args.at(1));
    ForwardTarget target;
    target.endpoint.host = upstream.host();
    target.endpoint.port = static_cast<quint16>(upstream.port(80));
    target.upstreamPathPrefix = upstream.path().toUtf8();
    target.upstreamBaseUrl = upstream.toString().toUtf8();
    Http::HttpServer::Options options;
    options.port = static_cast<quint16>(args.at(2).toUInt());
    options.threads = args.value(3, QStringLiteral("0")).toInt();
    target.gatewayBaseUrl = "http://127.0.0.1:" + QByteArray::number(options.port) + "/fhir/bench";
    Http::HttpServer server;
    auto port = server.start(options, [target] { return std::make_unique<PassThrough>(target); });
    if (!port) {
        std::fprintf(stderr, "%s\n", qPrintable(port.error().message));
        return 1;
    }
    std::printf("%u\n", *port);
    std::fflush(stdout);
    return app.exec();
}
