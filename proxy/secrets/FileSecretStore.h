#pragma once

#include "secrets/SecretStore.h"

namespace ProxySmart {

// Secrets as files in a directory, one file per key ("keycloak/admin-password"
// -> DIR/keycloak__admin-password), for servers. A file that anyone but its
// owner may read or write is refused, and files are written with mode 0600.
class FileSecretStore final : public SecretStore
{
    Q_OBJECT

public:
    explicit FileSecretStore(QString directory, QObject *parent = nullptr);

    QString description() const override;
    void read(const QString &key, ReadDone done) override;
    void write(const QString &key, const QString &secret, WriteDone done) override;
    void remove(const QString &key, WriteDone done) override;

    // Reads one secret file (such as --client-secret-file): refuses a file
    // readable or writable by group or others, an empty file and one larger
    // than 64 KiB; a single trailing newline is dropped.
    static Result<QString> readFile(const QString &path);
    // Writes `secret` to `path` with mode 0600, replacing it atomically.
    static std::optional<Error> writeFile(const QString &path, const QString &secret);

    QString pathFor(const QString &key) const;

private:
    QString m_directory;
};

} // namespace ProxySmart
