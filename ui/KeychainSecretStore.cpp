#include "KeychainSecretStore.h"

#include <qt6keychain/keychain.h>

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcKeychain, "proxysmart.ui.keychain", QtInfoMsg)

namespace ProxySmart {

namespace {

// The reason of a failed keychain job, without the secret (QtKeychain's
// messages never contain it).
Error errorOf(const QKeychain::Job &job, const QString &key)
{
    switch (job.error()) {
    case QKeychain::EntryNotFound:
        return Error {QStringLiteral("secret.not_found"),
                      QStringLiteral("the keychain has no secret '%1'").arg(key)};
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return Error {
            QStringLiteral("secret.unavailable"),
            QStringLiteral("access to the keychain was denied (%1)").arg(job.errorString())};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return Error {QStringLiteral("secret.unavailable"),
                      QStringLiteral("no OS keychain is available (%1); secrets are not stored "
                                     "anywhere else")
                          .arg(job.errorString())};
    default:
        return Error {QStringLiteral("secret.unavailable"),
                      QStringLiteral("the keychain failed (%1); secrets are not stored anywhere "
                                     "else")
                          .arg(job.errorString())};
    }
}

template<typename JobType> JobType *makeJob(const QString &service, const QString &key)
{
    auto *job = new JobType(service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    return job;
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service, QObject *parent)
    : SecretStore(parent)
    , m_service(std::move(service))
{ }

QString KeychainSecretStore::description() const
{
    return QStringLiteral("the OS keychain");
}

void KeychainSecretStore::read(const QString &key, ReadDone done)
{
    auto *job = makeJob<QKeychain::ReadPasswordJob>(m_service, key);
    connect(job, &QKeychain::Job::finished, this, [done, key](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError) {
            const Error error = errorOf(*finished, key);
            if (error.code != u"secret.not_found")
                qCWarning(lcKeychain).noquote() << "reading" << key << "failed:" << error.message;
            done(error);
            return;
        }
        done(static_cast<QKeychain::ReadPasswordJob *>(finished)->textData());
    });
    job->start();
}

void KeychainSecretStore::write(const QString &key, const QString &secret, WriteDone done)
{
    auto *job = makeJob<QKeychain::WritePasswordJob>(m_service, key);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [done, key](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError) {
            const Error error = errorOf(*finished, key);
            qCWarning(lcKeychain).noquote() << "storing" << key << "failed:" << error.message;
            done(error);
            return;
        }
        qCInfo(lcKeychain).noquote() << "stored" << key << "in the keychain";
        done(std::nullopt);
    });
    job->start();
}

void KeychainSecretStore::remove(const QString &key, WriteDone done)
{
    auto *job = makeJob<QKeychain::DeletePasswordJob>(m_service, key);
    connect(job, &QKeychain::Job::finished, this, [done, key](QKeychain::Job *finished) {
        if (finished->error() != QKeychain::NoError) {
            done(errorOf(*finished, key));
            return;
        }
        done(std::nullopt);
    });
    job->start();
}

} // namespace ProxySmart
