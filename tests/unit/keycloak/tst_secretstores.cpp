// The headless secret stores: files (owner-only permissions) and environment.
#include "secrets/EnvironmentSecretStore.h"
#include "secrets/FileSecretStore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ProxySmart;

class TestSecretStores : public QObject
{
    Q_OBJECT

private slots:
    void fileStoreWritesOwnerOnlyAndReadsBack();
    void fileStoreRefusesFilesOthersCanRead_data();
    void fileStoreRefusesFilesOthersCanRead();
    void readFileDropsOneTrailingNewline();
    void readFileRefusesMissingAndEmptyFiles();
    void fileStoreRemoves();
    void environmentStoreReadsItsVariable();
    void environmentStoreIsReadOnly();
};

void TestSecretStores::fileStoreWritesOwnerOnlyAndReadsBack()
{
    QTemporaryDir dir;
    FileSecretStore store(dir.filePath(QStringLiteral("secrets")));
    QVERIFY(
        !store.writeNow(QStringLiteral("keycloak/admin-password"), QStringLiteral("p@ss word")));
    const QString path = store.pathFor(QStringLiteral("keycloak/admin-password"));
    QCOMPARE(QFile::permissions(path) & ~(QFileDevice::ReadUser | QFileDevice::WriteUser),
             QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const auto secret = store.readNow(QStringLiteral("keycloak/admin-password"));
    QVERIFY(secret.ok());
    QCOMPARE(secret.value(), QStringLiteral("p@ss word"));
}

void TestSecretStores::fileStoreRefusesFilesOthersCanRead_data()
{
    QTest::addColumn<int>("permissions");
    QTest::newRow("group-readable")
        << int(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup);
    QTest::newRow("world-readable") << int(QFileDevice::ReadOwner | QFileDevice::ReadOther);
    QTest::newRow("group-writable") << int(QFileDevice::ReadOwner | QFileDevice::WriteGroup);
}

void TestSecretStores::fileStoreRefusesFilesOthersCanRead()
{
    QFETCH(int, permissions);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("secret"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("secret\n");
    file.close();
    QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions(permissions)));
    const auto secret = FileSecretStore::readFile(path);
    QVERIFY(!secret.ok());
    QCOMPARE(secret.error().code, QStringLiteral("secret.insecure"));
    QVERIFY(secret.error().message.contains(u"chmod 600"));
}

void TestSecretStores::readFileDropsOneTrailingNewline()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("secret"));
    QVERIFY(!FileSecretStore::writeFile(path, QStringLiteral(" spaced secret ")));
    const auto secret = FileSecretStore::readFile(path);
    QVERIFY(secret.ok());
    QCOMPARE(secret.value(), QStringLiteral(" spaced secret "));
}

void TestSecretStores::readFileRefusesMissingAndEmptyFiles()
{
    QTemporaryDir dir;
    QCOMPARE(FileSecretStore::readFile(dir.filePath(QStringLiteral("none"))).error().code,
             QStringLiteral("secret.not_found"));
    const QString path = dir.filePath(QStringLiteral("empty"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\n");
    file.close();
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QCOMPARE(FileSecretStore::readFile(path).error().code, QStringLiteral("secret.not_found"));
}

void TestSecretStores::fileStoreRemoves()
{
    QTemporaryDir dir;
    FileSecretStore store(dir.path());
    QVERIFY(!store.writeNow(QStringLiteral("a"), QStringLiteral("b")));
    QVERIFY(!store.removeNow(QStringLiteral("a")));
    QCOMPARE(store.readNow(QStringLiteral("a")).error().code, QStringLiteral("secret.not_found"));
    QCOMPARE(store.removeNow(QStringLiteral("a"))->code, QStringLiteral("secret.not_found"));
}

void TestSecretStores::environmentStoreReadsItsVariable()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("PROXYSMART_KEYCLOAK_CLIENT_SECRET"), QStringLiteral("xyz"));
    EnvironmentSecretStore store(environment);
    QCOMPARE(EnvironmentSecretStore::variableFor(QStringLiteral("keycloak/client-secret")),
             QStringLiteral("PROXYSMART_KEYCLOAK_CLIENT_SECRET"));
    QCOMPARE(store.readNow(QStringLiteral("keycloak/client-secret")).value(),
             QStringLiteral("xyz"));
    const auto missing = store.readNow(QStringLiteral("keycloak/admin-password"));
    QCOMPARE(missing.error().code, QStringLiteral("secret.not_found"));
    QVERIFY(missing.error().message.contains(u"PROXYSMART_KEYCLOAK_ADMIN_PASSWORD"));
}

void TestSecretStores::environmentStoreIsReadOnly()
{
    EnvironmentSecretStore store {QProcessEnvironment()};
    QCOMPARE(store.writeNow(QStringLiteral("a"), QStringLiteral("b"))->code,
             QStringLiteral("secret.read_only"));
    QCOMPARE(store.removeNow(QStringLiteral("a"))->code, QStringLiteral("secret.read_only"));
}

QTEST_GUILESS_MAIN(TestSecretStores)
#include "tst_secretstores.moc"
