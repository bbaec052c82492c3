#pragma once

#include "core/Result.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace ProxySmart {

// Where secrets (Keycloak client secrets, admin passwords) live: the OS
// keychain on the desktop (ui/KeychainSecretStore), a file or the environment
// on servers. Asynchronous because keychains are; stores that answer at once
// call back before returning. A store never falls back to another one.
class SecretStore : public QObject
{
    Q_OBJECT

public:
    using ReadDone = std::function<void(const Result<QString> &secret)>;
    using WriteDone = std::function<void(const std::optional<Error> &error)>;

    using QObject::QObject;

    // What the store is, for messages: "the OS keychain", "the file …".
    virtual QString description() const = 0;
    // `key` names a secret: "keycloak/admin-password". Error codes:
    // "secret.not_found", "secret.unavailable", "secret.insecure",
    // "secret.read_only", "secret.failed".
    virtual void read(const QString &key, ReadDone done) = 0;
    virtual void write(const QString &key, const QString &secret, WriteDone done) = 0;
    virtual void remove(const QString &key, WriteDone done) = 0;

    // Blocking forms for command-line tools: run a local event loop until
    // the store answers.
    Result<QString> readNow(const QString &key, int timeoutMs = 30000);
    std::optional<Error> writeNow(const QString &key, const QString &secret, int timeoutMs = 30000);
    std::optional<Error> removeNow(const QString &key, int timeoutMs = 30000);
};

} // namespace ProxySmart
