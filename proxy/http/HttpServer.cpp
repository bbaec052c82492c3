#include "http/HttpServer.h"

#include "http/HttpConnection.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpServer>
#include <QThread>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace ProxySmart::Http {

namespace {

// A listening socket that other sockets of this process may share
// (SO_REUSEPORT): the kernel then spreads new connections over them. With
// exclusive set it is a plain bound socket instead, which fails while anyone
// else listens on the port, SO_REUSEPORT or not.
Result<int> openListener(const QHostAddress &address, quint16 port, bool exclusive = false)
{
    const bool v6 = address.protocol() == QAbstractSocket::IPv6Protocol;
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Error {QStringLiteral("http.socket"), QString::fromLocal8Bit(std::strerror(errno))};
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!exclusive)
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    int result = -1;
    if (v6) {
        sockaddr_in6 sa {};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        const Q_IPV6ADDR raw = address.toIPv6Address();
        std::memcpy(&sa.sin6_addr, &raw, sizeof raw);
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        result = ::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
    } else {
        sockaddr_in sa {};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(address.toIPv4Address());
        result = ::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
    }
    if (result != 0 || (!exclusive && ::listen(fd, 1024) != 0)) {
        const QString reason = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return Error {QStringLiteral("http.bind"),
                      QStringLiteral("Cannot listen on %1:%2: %3.")
                          .arg(address.toString())
                          .arg(port)
                          .arg(reason)};
    }
    return fd;
}

quint16 boundPort(int fd)
{
    sockaddr_storage sa {};
    socklen_t length = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&sa), &length) != 0)
        return 0;
    if (sa.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6 *>(&sa)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in *>(&sa)->sin_port);
}

class Listener : public QTcpServer
{
public:
    Listener(HttpHandler *handler, const HttpServer::Options &options)
        : m_handler(handler)
        , m_options(options)
    { }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        QTcpSocket *socket = m_options.tls ? new QSslSocket : new QTcpSocket;
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            ::close(static_cast<int>(descriptor));
            return;
        }
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (m_options.tls) {
            auto *ssl = static_cast<QSslSocket *>(socket);
            ssl->setSslConfiguration(*m_options.tls);
            ssl->startServerEncryption();
        }
        new HttpConnection(socket, m_handler, m_options.limits, this);
    }

private:
    HttpHandler *m_handler;
    HttpServer::Options m_options;
};

} // namespace

// A thread with its own event loop, handler and listening socket.
class HttpServer::Worker
{
public:
    Worker() = default;
    ~Worker()
    {
        if (m_context) {
            QMetaObject::invokeMethod(
                m_context,
                [this] {
                    delete m_listener; // closes the socket and every connection
                    m_listener = nullptr;
                    m_handler.reset();
                },
                Qt::BlockingQueuedConnection);
            m_context->deleteLater();
        }
        m_thread.quit();
        m_thread.wait();
    }

    bool start(int fd, const Options &options, const HandlerFactory &factory, QString *error)
    {
        m_thread.setObjectName(QStringLiteral("http-worker"));
        m_thread.start();
        m_context = new QObject;
        m_context->moveToThread(&m_thread);
        bool ok = false;
        QMetaObject::invokeMethod(
            m_context,
            [&] {
                m_handler = factory();
                m_listener = new Listener(m_handler.get(), options);
                ok = m_listener->setSocketDescriptor(fd);
                if (!ok)
                    *error = m_listener->errorString();
            },
            Qt::BlockingQueuedConnection);
        return ok;
    }

private:
    QThread m_thread;
    QObject *m_context = nullptr;
    std::unique_ptr<HttpHandler> m_handler;
    Listener *m_listener = nullptr;
};

HttpServer::HttpServer(QObject *parent)
    : QObject(parent)
{ }

HttpServer::~HttpServer()
{
    stop();
}

Result<quint16> HttpServer::start(const Options &options, HandlerFactory factory)
{
    stop();
    const int threads =
        options.threads > 0 ? options.threads : qMax(1, QThread::idealThreadCount());
    // Claim the port exclusively first, so a port that another program (or
    // another gateway) serves is reported as taken rather than shared.
    auto probe = openListener(options.address, options.port, true);
    if (!probe)
        return probe.error();
    quint16 port = boundPort(*probe);
    ::close(*probe);
    for (int i = 0; i < threads; ++i) {
        auto fd = openListener(options.address, port);
        if (!fd) {
            stop();
            return fd.error();
        }
        port = boundPort(*fd);
        auto worker = std::make_unique<Worker>();
        QString error;
        if (!worker->start(*fd, options, factory, &error)) {
            stop();
            return Error {QStringLiteral("http.listen"), error};
        }
        m_workers.push_back(std::move(worker));
    }
    m_port = port;
    qCInfo(lcHttp).nospace() << "serving " << (options.tls ? "https" : "http") << " on "
                             << options.address.toString() << ":" << port << " with " << threads
                             << " thread(s)";
    return port;
}

void HttpServer::stop()
{
    m_workers.clear();
    m_port = 0;
}

} // namespace ProxySmart::Http
