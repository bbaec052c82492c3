#pragma once

#include "core/GatewayConfig.h"

#include <QByteArray>
#include <QFile>
#include <QJsonObject>

#include <functional>
#include <mutex>

namespace ProxySmart {

// The gateway's audit trail: one JSON line per request, appended to a file
// that is rotated by size (file, file.1, … file.N), and handed to a sink (the
// GUI's live view). Thread-safe: every worker thread records into the same
// log. Records hold decisions and identifiers, never a token or secret.
class AuditLog
{
public:
    using Sink = std::function<void(const QJsonObject &)>;

    explicit AuditLog(AuditConfig config, Sink sink = {});
    ~AuditLog();

    AuditLog(const AuditLog &) = delete;
    AuditLog &operator=(const AuditLog &) = delete;

    void record(const QJsonObject &entry);
    void flush();
    // The file could not be opened or written; records still reach the sink.
    QString errorString() const;

    // A request path and query as it may be logged: every query value is
    // replaced by "***" (search values can identify people: name, birthdate,
    // identifier, phone, …), parameter names stay. Ids in the path stay.
    static QByteArray maskedTarget(QByteArrayView path, QByteArrayView query);

private:
    bool openLocked();
    void rotateLocked();

    AuditConfig m_config;
    Sink m_sink;
    mutable std::mutex m_mutex;
    QFile m_file;
    QString m_error;
};

} // namespace ProxySmart
