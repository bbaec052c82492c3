#pragma once

#include "secrets/SecretStore.h"

#include <QProcessEnvironment>

namespace ProxySmart {

// Secrets from environment variables, for containers and services: the key
// "keycloak/client-secret" is read from PROXYSMART_KEYCLOAK_CLIENT_SECRET.
// Read-only: writing or removing fails with "secret.read_only".
class EnvironmentSecretStore final : public SecretStore
{
    Q_OBJECT

public:
    explicit EnvironmentSecretStore(
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment(),
        QObject *parent = nullptr);

    QString description() const override;
    void read(const QString &key, ReadDone done) override;
    void write(const QString &key, const QString &secret, WriteDone done) override;
    void remove(const QString &key, WriteDone done) override;

    static QString variableFor(const QString &key);

private:
    QProcessEnvironment m_environment;
};

} // namespace ProxySmart
