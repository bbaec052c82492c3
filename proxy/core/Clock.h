#pragma once

#include <QDateTime>

#include <atomic>

namespace ProxySmart {

// The time every expiry decision is made against. Production code uses the
// system clock; tests set a fixed or advancing time instead of sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual qint64 nowSecs() const = 0;
    virtual qint64 nowMSecs() const { return nowSecs() * 1000; }

    // The process-wide system clock.
    static const Clock &system();
};

class SystemClock final : public Clock
{
public:
    qint64 nowSecs() const override { return QDateTime::currentSecsSinceEpoch(); }
    qint64 nowMSecs() const override { return QDateTime::currentMSecsSinceEpoch(); }
};

// A clock that only moves when told to; safe to read from several threads.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 secs = 0)
        : m_msecs(secs * 1000)
    { }
    qint64 nowSecs() const override { return m_msecs.load() / 1000; }
    qint64 nowMSecs() const override { return m_msecs.load(); }
    void setSecs(qint64 secs) { m_msecs.store(secs * 1000); }
    void advanceSecs(qint64 secs) { m_msecs.fetch_add(secs * 1000); }

private:
    std::atomic<qint64> m_msecs;
};

} // namespace ProxySmart
