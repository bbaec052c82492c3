#include "cli/Cli.h"
#include "core/Version.h"

#include <QTest>

using namespace ProxySmart;

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void exitCodes_data();
    void exitCodes();
};

void TestCli::exitCodes_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("expectedOut");
    QTest::addColumn<QString>("expectedErr");

    QTest::newRow("--version prints the version and succeeds")
        << QStringList {QStringLiteral("--version")} << 0 << versionString() << QString();
    QTest::newRow("--help lists the serve command and succeeds")
        << QStringList {QStringLiteral("--help")} << 0 << QStringLiteral("serve") << QString();
    QTest::newRow("no command at all is wrong usage")
        << QStringList {} << 2 << QString() << QStringLiteral("Usage");
    QTest::newRow("an unknown command is wrong usage and named")
        << QStringList {QStringLiteral("frobnicate")} << 2 << QString()
        << QStringLiteral("frobnicate");
    QTest::newRow("serve --help prints the serve options")
        << QStringList {QStringLiteral("serve"), QStringLiteral("--help")} << 0
        << QStringLiteral("--config") << QString();
    QTest::newRow("serve with an unknown option is wrong usage")
        << QStringList {QStringLiteral("serve"), QStringLiteral("--bogus")} << 2 << QString()
        << QStringLiteral("bogus");
    QTest::newRow("serve with a missing config file fails and names it")
        << QStringList {QStringLiteral("serve"), QStringLiteral("--config"),
                        QStringLiteral("/nonexistent.json")}
        << 1 << QString() << QStringLiteral("/nonexistent.json");
    QTest::newRow("serve with a port out of range is wrong usage")
        << QStringList {QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("70000")}
        << 2 << QString() << QStringLiteral("--port");
}

void TestCli::exitCodes()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, expectedOut);
    QFETCH(QString, expectedErr);

    QString out;
    QString err;
    QTextStream outStream(&out);
    QTextStream errStream(&err);
    Cli::Io io {outStream, errStream};
    QCOMPARE(Cli::run(arguments, io), exitCode);
    outStream.flush();
    errStream.flush();
    if (!expectedOut.isEmpty())
        QVERIFY2(out.contains(expectedOut), qPrintable(out));
    if (!expectedErr.isEmpty())
        QVERIFY2(err.contains(expectedErr), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
