#include "gateway/AssignmentCache.h"

namespace ProxySmart {

std::optional<QStringList> AssignmentCache::find(const QString &key, qint64 nowMs) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend() || it->expiresAtMs <= nowMs)
        return std::nullopt;
    return it->patients;
}

void AssignmentCache::insert(const QString &key, QStringList patients, qint64 nowMs)
{
    if (m_ttlMs <= 0)
        return;
    std::lock_guard lock(m_mutex);
    if (m_entries.size() >= maxEntries) {
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = it->expiresAtMs <= nowMs ? m_entries.erase(it) : std::next(it);
        if (m_entries.size() >= maxEntries)
            m_entries.clear();
    }
    m_entries.insert(key, Entry {std::move(patients), nowMs + m_ttlMs});
}

} // namespace ProxySmart
