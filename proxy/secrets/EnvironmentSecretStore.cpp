#include "secrets/EnvironmentSecretStore.h"

namespace ProxySmart {

EnvironmentSecretStore::EnvironmentSecretStore(QProcessEnvironment environment, QObject *parent)
    : SecretStore(parent)
    , m_environment(std::move(environment))
{ }

QString EnvironmentSecretStore::description() const
{
    return QStringLiteral("the environment");
}

QString EnvironmentSecretStore::variableFor(const QString &key)
{
    QString name = QStringLiteral("PROXYSMART_");
    for (const QChar c : key)
        name += c.isLetterOrNumber() ? c.toUpper() : u'_';
    return name;
}

void EnvironmentSecretStore::read(const QString &key, ReadDone done)
{
    const QString variable = variableFor(key);
    const QString value = m_environment.value(variable);
    if (value.isEmpty()) {
        done(Error {QStringLiteral("secret.not_found"),
                    QStringLiteral("the environment variable %1 is not set").arg(variable)});
        return;
    }
    done(value);
}

void EnvironmentSecretStore::write(const QString &key, const QString &, WriteDone done)
{
    done(Error {
        QStringLiteral("secret.read_only"),
        QStringLiteral("secrets in the environment cannot be changed (%1)").arg(variableFor(key))});
}

void EnvironmentSecretStore::remove(const QString &key, WriteDone done)
{
    done(Error {
        QStringLiteral("secret.read_only"),
        QStringLiteral("secrets in the environment cannot be changed (%1)").arg(variableFor(key))});
}

} // namespace ProxySmart
