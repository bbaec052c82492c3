#pragma once

#include "core/Result.h"
#include "http/HttpLimits.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>

#include <functional>
#include <memory>
#include <vector>

namespace ProxySmart::Http {

class ServerExchange;

// What answers requests. One instance per worker thread, created on that
// thread, so it may keep thread-local caches and upstream connections.
class HttpHandler
{
public:
    virtual ~HttpHandler() = default;
    // Called once a request's head has arrived; the body, if any, streams in
    // through the exchange. The handler answers now or later.
    virtual void handle(ServerExchange *exchange) = 0;
};

using HandlerFactory = std::function<std::unique_ptr<HttpHandler>()>;

// An HTTP/1.1 server on every core: each worker thread runs its own event
// loop and its own listening socket on the same port (SO_REUSEPORT), so the
// kernel spreads connections and no request crosses threads.
class HttpServer : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QHostAddress address = QHostAddress(QHostAddress::LocalHost);
        quint16 port = 0;
        int threads = 0; // 0: one per core
        HttpLimits limits;
        std::optional<QSslConfiguration> tls; // serve HTTPS when set
    };

    explicit HttpServer(QObject *parent = nullptr);
    ~HttpServer() override;

    Result<quint16> start(const Options &options, HandlerFactory factory);
    void stop();

    bool isListening() const { return !m_workers.empty(); }
    quint16 port() const { return m_port; }
    int threadCount() const { return static_cast<int>(m_workers.size()); }

private:
    class Worker;
    std::vector<std::unique_ptr<Worker>> m_workers;
    quint16 m_port = 0;
};

} // namespace ProxySmart::Http
