#include "gateway/AuditLog.h"

#include "core/Logging.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>

namespace ProxySmart {

AuditLog::AuditLog(AuditConfig config, Sink sink)
    : m_config(std::move(config))
    , m_sink(std::move(sink))
{
    if (!m_config.file.isEmpty()) {
        std::lock_guard lock(m_mutex);
        openLocked();
    }
}

AuditLog::~AuditLog()
{
    flush();
}

bool AuditLog::openLocked()
{
    if (m_file.isOpen())
        return true;
    QDir().mkpath(QFileInfo(m_config.file).absolutePath());
    m_file.setFileName(m_config.file);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        m_error = m_file.errorString();
        qCWarning(lcGateway).noquote()
            << "cannot open the audit log" << m_config.file << ":" << m_error;
        return false;
    }
    m_file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

void AuditLog::rotateLocked()
{
    m_file.close();
    const QString base = m_config.file;
    if (m_config.keepFiles <= 0) {
        QFile::remove(base);
    } else {
        QFile::remove(base + QStringLiteral(".%1").arg(m_config.keepFiles));
        for (int i = m_config.keepFiles - 1; i >= 1; --i)
            QFile::rename(base + QStringLiteral(".%1").arg(i),
                          base + QStringLiteral(".%1").arg(i + 1));
        QFile::rename(base, base + QStringLiteral(".1"));
    }
    openLocked();
}

void AuditLog::record(const QJsonObject &entry)
{
    if (!m_config.file.isEmpty()) {
        const QByteArray line = QJsonDocument(entry).toJson(QJsonDocument::Compact) + '\n';
        std::lock_guard lock(m_mutex);
        if (openLocked()) {
            if (m_file.size() > 0 && m_file.size() + line.size() > m_config.maxBytes)
                rotateLocked();
            if (m_file.isOpen() && m_file.write(line) != line.size())
                m_error = m_file.errorString();
        }
    }
    if (m_sink)
        m_sink(entry);
}

void AuditLog::flush()
{
    std::lock_guard lock(m_mutex);
    if (m_file.isOpen())
        m_file.flush();
}

QString AuditLog::errorString() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

QByteArray AuditLog::maskedTarget(QByteArrayView path, QByteArrayView query)
{
    QByteArray out = path.toByteArray();
    if (query.isEmpty())
        return out;
    out += '?';
    bool first = true;
    for (QByteArrayView pair : QByteArray::fromRawData(query.data(), query.size()).split('&')) {
        if (!first)
            out += '&';
        first = false;
        const qsizetype eq = pair.indexOf('=');
        out += eq < 0 ? pair : pair.first(eq);
        if (eq >= 0)
            out += "=***";
    }
    return out;
}

} // namespace ProxySmart
