#include "secrets/SecretStore.h"

#include <QEventLoop>
#include <QTimer>

#include <memory>

namespace ProxySmart {

namespace {

template<typename T, typename Start> T waitFor(Start start, T timedOut, int timeoutMs)
{
    auto answer = std::make_shared<std::optional<T>>();
    QEventLoop loop;
    start([answer, &loop](const T &value) {
        *answer = value;
        loop.quit();
    });
    if (!answer->has_value()) {
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return answer->has_value() ? answer->value() : timedOut;
}

Error timeoutError()
{
    return Error {QStringLiteral("secret.unavailable"),
                  QStringLiteral("the secret store did not answer in time")};
}

} // namespace

Result<QString> SecretStore::readNow(const QString &key, int timeoutMs)
{
    return waitFor<Result<QString>>([this, &key](auto done) { read(key, done); },
                                    Result<QString>(timeoutError()), timeoutMs);
}

std::optional<Error> SecretStore::writeNow(const QString &key, const QString &secret, int timeoutMs)
{
    return waitFor<std::optional<Error>>(
        [this, &key, &secret](auto done) { write(key, secret, done); }, timeoutError(), timeoutMs);
}

std::optional<Error> SecretStore::removeNow(const QString &key, int timeoutMs)
{
    return waitFor<std::optional<Error>>([this, &key](auto done) { remove(key, done); },
                                         timeoutError(), timeoutMs);
}

} // namespace ProxySmart
