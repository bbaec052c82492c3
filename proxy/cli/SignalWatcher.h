#pragma once

#include <QObject>

class QSocketNotifier;

namespace ProxySmart {

// Turns SIGINT, SIGTERM and SIGHUP into a Qt signal delivered on the event
// loop (self-pipe), so shutdown can flush logs and close sockets cleanly.
class SignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminationRequested(int signalNumber);
    void reloadRequested();

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace ProxySmart
