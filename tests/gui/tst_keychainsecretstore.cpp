// KeychainSecretStore against a real Secret Service (gnome-keyring on a
// private session bus, started by tests/servers/secret-service.sh), and
// without any keychain, where it must fail clearly instead of falling back.
#include "KeychainSecretStore.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QTest>

using namespace ProxySmart;

class TestKeychainSecretStore : public QObject
{
    Q_OBJECT

private slots:
    void storesReadsOverwritesAndRemoves();
    void missingSecretIsNotFound();
    void keysAreSeparate();
    void failsClearlyWithoutAKeychain();

private:
    static bool keychainExpected()
    {
        return qEnvironmentVariableIsEmpty("PROXYSMART_TEST_NO_KEYCHAIN");
    }
    QString uniqueKey(const char *name) const
    {
        return QStringLiteral("test/%1-%2-%3")
            .arg(QLatin1String(name))
            .arg(QCoreApplication::applicationPid())
            .arg(QRandomGenerator::global()->generate());
    }
    KeychainSecretStore m_store {QStringLiteral("proxy-smart-tests")};
};

void TestKeychainSecretStore::storesReadsOverwritesAndRemoves()
{
    if (!keychainExpected())
        QSKIP("runs inside tests/servers/secret-service.sh");
    const QString key = uniqueKey("admin-password");
    const auto written = m_store.writeNow(key, QStringLiteral("first sécret"));
    QVERIFY2(!written, written ? qPrintable(written->message) : "");
    auto read = m_store.readNow(key);
    QVERIFY2(read.ok(), read.ok() ? "" : qPrintable(read.error().message));
    QCOMPARE(read.value(), QStringLiteral("first sécret"));

    QVERIFY(!m_store.writeNow(key, QStringLiteral("second")));
    QCOMPARE(m_store.readNow(key).value(), QStringLiteral("second"));

    QVERIFY(!m_store.removeNow(key));
    QCOMPARE(m_store.readNow(key).error().code, QStringLiteral("secret.not_found"));
}

void TestKeychainSecretStore::missingSecretIsNotFound()
{
    if (!keychainExpected())
        QSKIP("runs inside tests/servers/secret-service.sh");
    const auto read = m_store.readNow(uniqueKey("never-written"));
    QVERIFY(!read.ok());
    QCOMPARE(read.error().code, QStringLiteral("secret.not_found"));
}

void TestKeychainSecretStore::keysAreSeparate()
{
    if (!keychainExpected())
        QSKIP("runs inside tests/servers/secret-service.sh");
    const QString a = uniqueKey("a");
    const QString b = uniqueKey("b");
    QVERIFY(!m_store.writeNow(a, QStringLiteral("for a")));
    QVERIFY(!m_store.writeNow(b, QStringLiteral("for b")));
    QCOMPARE(m_store.readNow(a).value(), QStringLiteral("for a"));
    QCOMPARE(m_store.readNow(b).value(), QStringLiteral("for b"));
    QVERIFY(!m_store.removeNow(a));
    QVERIFY(!m_store.removeNow(b));
}

void TestKeychainSecretStore::failsClearlyWithoutAKeychain()
{
    if (keychainExpected())
        QSKIP("runs with PROXYSMART_TEST_NO_KEYCHAIN and no session bus");
    const auto written =
        m_store.writeNow(uniqueKey("nowhere"), QStringLiteral("must not be stored"));
    QVERIFY(written.has_value());
    QCOMPARE(written->code, QStringLiteral("secret.unavailable"));
    QVERIFY2(written->message.contains(u"not stored anywhere else"), qPrintable(written->message));
    const auto read = m_store.readNow(uniqueKey("nowhere"));
    QVERIFY(!read.ok());
    QCOMPARE(read.error().code, QStringLiteral("secret.unavailable"));
}

QTEST_GUILESS_MAIN(TestKeychainSecretStore)
#include "tst_keychainsecretstore.moc"
