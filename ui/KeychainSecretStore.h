#pragma once

#include "secrets/SecretStore.h"

namespace ProxySmart {

// Secrets in the OS keychain through QtKeychain (Secret Service, KWallet,
// macOS Keychain, Windows Credential Store), under the service name
// "proxy-smart". There is no plain-text fallback: when no keychain is
// available every call fails with "secret.unavailable" and says so.
class KeychainSecretStore final : public SecretStore
{
    Q_OBJECT

public:
    explicit KeychainSecretStore(QString service = QStringLiteral("proxy-smart"),
                                 QObject *parent = nullptr);

    QString description() const override;
    void read(const QString &key, ReadDone done) override;
    void write(const QString &key, const QString &secret, WriteDone done) override;
    void remove(const QString &key, WriteDone done) override;

private:
    QString m_service;
};

} // namespace ProxySmart
