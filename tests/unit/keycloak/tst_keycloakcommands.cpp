// The Keycloak commands' command-line checks, which need no server: usage
// errors exit 2 and secrets are never taken from the command line.
#include "cli/Cli.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace ProxySmart;

class TestKeycloakCommands : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void usage_data();
    void usage();
    void helpExitsZero_data();
    void helpExitsZero();
    void insecureSecretFileIsRefused();
    void unreachableKeycloakFailsWithExitOne();
};

namespace {

struct Run
{
    int code = -1;
    QString out;
    QString err;
};

Run run(const QStringList &arguments)
{
    Run result;
    QTextStream out(&result.out);
    QTextStream err(&result.err);
    Cli::Io io {out, err, nullptr};
    result.code = Cli::run(arguments, io);
    out.flush();
    err.flush();
    return result;
}

} // namespace

void TestKeycloakCommands::initTestCase()
{
    // Make the results independent of the environment the tests run in.
    for (const char *name :
         {"PROXYSMART_KEYCLOAK_URL", "PROXYSMART_KEYCLOAK_REALM", "PROXYSMART_KEYCLOAK_ADMIN_USER",
          "PROXYSMART_KEYCLOAK_ADMIN_PASSWORD", "PROXYSMART_KEYCLOAK_CLIENT_SECRET"})
        qunsetenv(name);
}

void TestKeycloakCommands::usage_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QStringList target {QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:1"),
                              QStringLiteral("--realm"), QStringLiteral("r")};
    QTest::newRow("apps without a subcommand") << QStringList {QStringLiteral("apps")} << "Usage";
    QTest::newRow("an unknown subcommand")
        << QStringList {QStringLiteral("users"), QStringLiteral("frobnicate")}
        << "unknown subcommand";
    QTest::newRow("no URL") << QStringList {QStringLiteral("apps"), QStringLiteral("list")}
                            << "--url is required";
    QTest::newRow("a URL that is not http")
        << QStringList {QStringLiteral("apps"),    QStringLiteral("list"),
                        QStringLiteral("--url"),   QStringLiteral("ftp://x"),
                        QStringLiteral("--realm"), QStringLiteral("r")}
        << "not an http(s) URL";
    QTest::newRow("no way to sign in")
        << QStringList {QStringLiteral("apps"), QStringLiteral("list")} + target
        << "how to sign in is missing";
    QTest::newRow("a password on the command line is not an option")
        << QStringList {QStringLiteral("apps"), QStringLiteral("list"),
                        QStringLiteral("--admin-password"), QStringLiteral("x")}
            + target
        << "Unknown option 'admin-password'";
    QTest::newRow("show without a client id")
        << QStringList {QStringLiteral("apps"), QStringLiteral("show")} + target
        << "expected CLIENT_ID";
    QTest::newRow("link without a reference")
        << QStringList {QStringLiteral("users"), QStringLiteral("link"), QStringLiteral("alice")}
            + target
        << "expected USERNAME FHIR_REFERENCE";
    QTest::newRow("a client and an admin user at once")
        << QStringList {QStringLiteral("apps"),         QStringLiteral("list"),
                        QStringLiteral("--client-id"),  QStringLiteral("c"),
                        QStringLiteral("--admin-user"), QStringLiteral("a")}
            + target
        << "not both";
}

void TestKeycloakCommands::usage()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run result = run(arguments);
    QCOMPARE(result.code, int(Cli::ExitUsage));
    QVERIFY2(result.err.contains(message), qPrintable(result.err));
}

void TestKeycloakCommands::helpExitsZero_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("keycloak setup --help")
        << QStringList {QStringLiteral("keycloak"), QStringLiteral("setup"),
                        QStringLiteral("--help")}
        << "--gateway-client-id";
    QTest::newRow("apps register --help")
        << QStringList {QStringLiteral("apps"), QStringLiteral("register"),
                        QStringLiteral("--help")}
        << "--redirect-uri";
    QTest::newRow("users --help") << QStringList {QStringLiteral("users"), QStringLiteral("--help")}
                                  << "list|show|link";
    QTest::newRow("the top-level help lists apps")
        << QStringList {QStringLiteral("--help")} << "apps";
}

void TestKeycloakCommands::helpExitsZero()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    const Run result = run(arguments);
    QCOMPARE(result.code, int(Cli::ExitOk));
    QVERIFY2(result.out.contains(expected), qPrintable(result.out));
}

void TestKeycloakCommands::insecureSecretFileIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("password"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("secret");
    file.close();
    QVERIFY(QFile::setPermissions(
        path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    const Run result = run({QStringLiteral("apps"), QStringLiteral("list"), QStringLiteral("--url"),
                            QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--realm"),
                            QStringLiteral("r"), QStringLiteral("--admin-user"),
                            QStringLiteral("a"), QStringLiteral("--admin-password-file"), path});
    QCOMPARE(result.code, int(Cli::ExitFailure));
    QVERIFY2(result.err.contains(u"chmod 600"), qPrintable(result.err));
}

void TestKeycloakCommands::unreachableKeycloakFailsWithExitOne()
{
    qputenv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD", "x");
    const Run result =
        run({QStringLiteral("apps"), QStringLiteral("list"), QStringLiteral("--url"),
             QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--realm"), QStringLiteral("r"),
             QStringLiteral("--admin-user"), QStringLiteral("a"), QStringLiteral("--timeout"),
             QStringLiteral("10")});
    qunsetenv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD");
    QCOMPARE(result.code, int(Cli::ExitFailure));
    QVERIFY2(result.err.contains(u"unreachable"), qPrintable(result.err));
}

QTEST_GUILESS_MAIN(TestKeycloakCommands)
#include "tst_keycloakcommands.moc"
