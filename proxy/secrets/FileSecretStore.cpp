#include "secrets/FileSecretStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace ProxySmart {

namespace {

constexpr qint64 kMaxSecretSize = 64 * 1024;

Error failure(const char *code, const QString &message)
{
    return Error {QString::fromLatin1(code), message};
}

} // namespace

FileSecretStore::FileSecretStore(QString directory, QObject *parent)
    : SecretStore(parent)
    , m_directory(std::move(directory))
{ }

QString FileSecretStore::description() const
{
    return QStringLiteral("the secret files in %1").arg(m_directory);
}

QString FileSecretStore::pathFor(const QString &key) const
{
    QString name;
    for (const QChar c : key) {
        if (c.isLetterOrNumber() || c == u'-' || c == u'_' || c == u'.')
            name += c;
        else if (c == u'/')
            name += QStringLiteral("__");
        else
            name += u'_';
    }
    if (name.startsWith(u'.'))
        name.prepend(u'_');
    return QDir(m_directory).filePath(name);
}

Result<QString> FileSecretStore::readFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return failure("secret.not_found",
                       QStringLiteral("the secret file %1 does not exist").arg(path));
    if (!info.isFile())
        return failure("secret.failed", QStringLiteral("%1 is not a regular file").arg(path));
    const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup
        | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther
        | QFileDevice::ExeOther;
    if (info.permissions() & others)
        return failure("secret.insecure",
                       QStringLiteral("the secret file %1 may be read or written by others; "
                                      "run `chmod 600 %1`")
                           .arg(path));
    if (info.size() > kMaxSecretSize)
        return failure("secret.failed",
                       QStringLiteral("the secret file %1 is too large").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failure(
            "secret.failed",
            QStringLiteral("cannot read the secret file %1: %2").arg(path, file.errorString()));
    QByteArray content = file.read(kMaxSecretSize + 1);
    if (content.endsWith('\n'))
        content.chop(1);
    if (content.endsWith('\r'))
        content.chop(1);
    if (content.isEmpty())
        return failure("secret.not_found", QStringLiteral("the secret file %1 is empty").arg(path));
    return QString::fromUtf8(content);
}

std::optional<Error> FileSecretStore::writeFile(const QString &path, const QString &secret)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return failure(
            "secret.failed",
            QStringLiteral("cannot write the secret file %1: %2").arg(path, file.errorString()));
    // Restrict the temporary file before the secret goes into it.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        file.cancelWriting();
        return failure("secret.failed",
                       QStringLiteral("cannot restrict the permissions of %1").arg(path));
    }
    file.write(secret.toUtf8());
    file.write("\n");
    if (!file.commit())
        return failure(
            "secret.failed",
            QStringLiteral("cannot write the secret file %1: %2").arg(path, file.errorString()));
    return std::nullopt;
}

void FileSecretStore::read(const QString &key, ReadDone done)
{
    done(readFile(pathFor(key)));
}

void FileSecretStore::write(const QString &key, const QString &secret, WriteDone done)
{
    if (!QDir().mkpath(m_directory)) {
        done(failure("secret.failed", QStringLiteral("cannot create %1").arg(m_directory)));
        return;
    }
    QFile::setPermissions(m_directory,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    done(writeFile(pathFor(key), secret));
}

void FileSecretStore::remove(const QString &key, WriteDone done)
{
    QFile file(pathFor(key));
    if (!file.exists()) {
        done(failure("secret.not_found", QStringLiteral("there is no secret '%1'").arg(key)));
        return;
    }
    if (!file.remove()) {
        done(failure(
            "secret.failed",
            QStringLiteral("cannot remove %1: %2").arg(file.fileName(), file.errorString())));
        return;
    }
    done(std::nullopt);
}

} // namespace ProxySmart
