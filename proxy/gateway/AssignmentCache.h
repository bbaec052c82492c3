#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

#include <mutex>
#include <optional>

namespace ProxySmart {

// The patients each Practitioner is assigned to, per FHIR server, as looked
// up from the server; shared by every worker thread and kept for a TTL.
class AssignmentCache
{
public:
    explicit AssignmentCache(int ttlSeconds)
        : m_ttlMs(qint64(ttlSeconds) * 1000)
    { }

    std::optional<QStringList> find(const QString &key, qint64 nowMs) const;
    void insert(const QString &key, QStringList patients, qint64 nowMs);

private:
    struct Entry
    {
        QStringList patients;
        qint64 expiresAtMs = 0;
    };
    static constexpr qsizetype maxEntries = 10000;

    qint64 m_ttlMs;
    mutable std::mutex m_mutex;
    QHash<QString, Entry> m_entries;
};

} // namespace ProxySmart
