// proxy-smartd keycloak | apps | users against the real Keycloak, run
// in-process: output, --json and exit codes as scripts see them.
#include "TestServers.h"

#include "cli/Cli.h"
#include "keycloak/KeycloakAdmin.h"
#include "keycloak/KeycloakSession.h"

#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>

using namespace ProxySmart;
using namespace ProxySmart::TestServers;

namespace {

struct Run
{
    int code = -1;
    QString out;
    QString err;
    QJsonDocument json() const { return QJsonDocument::fromJson(out.toUtf8()); }
};

QString uniqueName(const char *prefix)
{
    return QStringLiteral("%1-%2-%3")
        .arg(QLatin1String(prefix))
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::global()->generate() % 1000000);
}

} // namespace

class TestKeycloakCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void appsLifecycle();
    void registeringAnExistingAppExitsOneWithTheConflict();
    void confidentialSecretGoesToAnOwnerOnlyFile();
    void appsListAndShowAsJson();
    void usersListShowAndLink();
    void setupTwiceCreatesNothingTheSecondTime();
    void badPasswordFileExitsOne();
    void serviceAccountFromEnvironment();

private:
    Run run(QStringList arguments, const QString &realmName = {});

    QTemporaryDir m_dir;
    QStringList m_apps;
    QStringList m_realms;
    QNetworkAccessManager m_network;
};

Run TestKeycloakCli::run(QStringList arguments, const QString &realmName)
{
    arguments << QStringLiteral("--url") << keycloakUrl() << QStringLiteral("--realm")
              << (realmName.isEmpty() ? realm() : realmName);
    Run result;
    QTextStream out(&result.out);
    QTextStream err(&result.err);
    Cli::Io io {out, err, nullptr};
    result.code = Cli::run(arguments, io);
    out.flush();
    err.flush();
    return result;
}

void TestKeycloakCli::initTestCase()
{
    // The admin user and password come from the environment ctest sets.
    requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER");
    requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD");
    QVERIFY(m_dir.isValid());
}

void TestKeycloakCli::cleanupTestCase()
{
    for (const QString &clientId : std::as_const(m_apps))
        run({QStringLiteral("apps"), QStringLiteral("delete"), clientId});
    const QString token = adminToken(m_network);
    for (const QString &name : std::as_const(m_realms)) {
        QNetworkRequest request(QUrl(keycloakUrl() + QStringLiteral("/admin/realms/") + name));
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
        send(m_network, "DELETE", request);
    }
}

void TestKeycloakCli::appsLifecycle()
{
    const QString clientId = uniqueName("cli-app");
    Run registered =
        run({QStringLiteral("apps"), QStringLiteral("register"), clientId, QStringLiteral("--type"),
             QStringLiteral("public"), QStringLiteral("--redirect-uri"),
             QStringLiteral("https://app.example.org/cb"), QStringLiteral("--launch-url"),
             QStringLiteral("https://app.example.org/launch"), QStringLiteral("--scope"),
             QStringLiteral("launch"), QStringLiteral("--scope"), QStringLiteral("patient/*.rs"),
             QStringLiteral("--json")});
    QVERIFY2(registered.code == Cli::ExitOk, qPrintable(registered.err));
    m_apps << clientId;
    QCOMPARE(registered.json().object().value(u"clientId").toString(), clientId);
    QCOMPARE(registered.json().object().value(u"type").toString(), QStringLiteral("public"));
    QVERIFY(registered.err.isEmpty());

    const Run updated = run({QStringLiteral("apps"), QStringLiteral("update"), clientId,
                             QStringLiteral("--add-scope"), QStringLiteral("fhirUser"),
                             QStringLiteral("--remove-scope"), QStringLiteral("launch"),
                             QStringLiteral("--disable"), QStringLiteral("--json")});
    QVERIFY2(updated.code == Cli::ExitOk, qPrintable(updated.err));
    QCOMPARE(updated.json().object().value(u"scopes").toArray(),
             (QJsonArray {QStringLiteral("fhirUser"), QStringLiteral("patient/*.rs")}));
    QCOMPARE(updated.json().object().value(u"enabled").toBool(true), false);
    QCOMPARE(updated.json().object().value(u"launchUrl").toString(),
             QStringLiteral("https://app.example.org/launch"));

    const Run shown = run({QStringLiteral("apps"), QStringLiteral("show"), clientId});
    QCOMPARE(shown.code, int(Cli::ExitOk));
    QVERIFY(shown.out.contains(u"type:          public"));

    const Run deleted = run({QStringLiteral("apps"), QStringLiteral("delete"), clientId});
    QCOMPARE(deleted.code, int(Cli::ExitOk));
    m_apps.removeAll(clientId);
    const Run missing = run({QStringLiteral("apps"), QStringLiteral("show"), clientId});
    QCOMPARE(missing.code, int(Cli::ExitFailure));
    QVERIFY2(missing.err.contains(QStringLiteral("there is no app '%1'").arg(clientId)),
             qPrintable(missing.err));
}

void TestKeycloakCli::registeringAnExistingAppExitsOneWithTheConflict()
{
    const Run result =
        run({QStringLiteral("apps"), QStringLiteral("register"), QStringLiteral("smart-public-app"),
             QStringLiteral("--type"), QStringLiteral("public"), QStringLiteral("--redirect-uri"),
             QStringLiteral("https://app.example.org/cb")});
    QCOMPARE(result.code, int(Cli::ExitFailure));
    QCOMPARE(result.err,
             QStringLiteral("proxy-smartd apps register: registering app 'smart-public-app' "
                            "failed: Client smart-public-app already exists (HTTP 409)\n"));
}

void TestKeycloakCli::confidentialSecretGoesToAnOwnerOnlyFile()
{
    const QString clientId = uniqueName("cli-conf");
    const QString secretFile = m_dir.filePath(QStringLiteral("secret"));
    const Run result =
        run({QStringLiteral("apps"), QStringLiteral("register"), clientId, QStringLiteral("--type"),
             QStringLiteral("confidential"), QStringLiteral("--redirect-uri"),
             QStringLiteral("https://app.example.org/cb"), QStringLiteral("--secret-file"),
             secretFile, QStringLiteral("--json")});
    QVERIFY2(result.code == Cli::ExitOk, qPrintable(result.err));
    m_apps << clientId;
    QVERIFY(!result.json().object().contains(u"secret"));
    QCOMPARE(result.json().object().value(u"secretFile").toString(), secretFile);
    QCOMPARE(QFile::permissions(secretFile) & ~(QFileDevice::ReadUser | QFileDevice::WriteUser),
             QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QFile file(secretFile);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray first = file.readAll().trimmed();
    QVERIFY(first.size() >= 32);
    file.close();

    const Run rotated = run({QStringLiteral("apps"), QStringLiteral("rotate-secret"), clientId,
                             QStringLiteral("--secret-file"), secretFile});
    QVERIFY2(rotated.code == Cli::ExitOk, qPrintable(rotated.err));
    QVERIFY(!rotated.out.contains(QString::fromLatin1(first)));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().trimmed() != first);
}

void TestKeycloakCli::appsListAndShowAsJson()
{
    const Run list =
        run({QStringLiteral("apps"), QStringLiteral("list"), QStringLiteral("--json")});
    QVERIFY2(list.code == Cli::ExitOk, qPrintable(list.err));
    QStringList clientIds;
    for (const QJsonValue &app : list.json().array())
        clientIds << app.toObject().value(u"clientId").toString();
    QVERIFY(clientIds.contains(QStringLiteral("smart-backend-service")));
    QVERIFY(!clientIds.contains(QStringLiteral("admin-cli")));

    const Run show = run({QStringLiteral("apps"), QStringLiteral("show"),
                          QStringLiteral("smart-backend-service"), QStringLiteral("--json")});
    QVERIFY2(show.code == Cli::ExitOk, qPrintable(show.err));
    QCOMPARE(show.json().object().value(u"type").toString(), QStringLiteral("backend"));
    QVERIFY(
        show.json().object().value(u"scopes").toArray().contains(QStringLiteral("system/*.rs")));
}

void TestKeycloakCli::usersListShowAndLink()
{
    const Run list =
        run({QStringLiteral("users"), QStringLiteral("list"), QStringLiteral("--search"),
             QStringLiteral("dr-"), QStringLiteral("--json")});
    QVERIFY2(list.code == Cli::ExitOk, qPrintable(list.err));
    QStringList fhirUsers;
    for (const QJsonValue &user : list.json().array())
        fhirUsers << user.toObject().value(u"fhirUser").toString();
    QVERIFY(fhirUsers.contains(QStringLiteral("Practitioner/practitioner-01")));
    QVERIFY(!fhirUsers.contains(QStringLiteral("Patient/patient-01")));

    const Run show = run({QStringLiteral("users"), QStringLiteral("show"), QStringLiteral("bob")});
    QCOMPARE(show.code, int(Cli::ExitOk));
    QVERIFY(show.out.contains(u"Patient/patient-02"));

    // A user of our own, linked and unlinked.
    KeycloakSession session(QUrl(keycloakUrl()), realm());
    session.setCredentials(
        KeycloakCredentials::adminUser(requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_USER"),
                                       requiredEnv("PROXYSMART_KEYCLOAK_ADMIN_PASSWORD")));
    KeycloakAdmin admin(&session);
    KeycloakUser user;
    user.username = uniqueName("cli-user");
    QVERIFY(admin.createUser(user)->runSynchronously(30000));
    const Run linked = run({QStringLiteral("users"), QStringLiteral("link"), user.username,
                            QStringLiteral("RelatedPerson/rp-1"), QStringLiteral("--json")});
    QVERIFY2(linked.code == Cli::ExitOk, qPrintable(linked.err));
    QCOMPARE(linked.json().object().value(u"fhirUser").toString(),
             QStringLiteral("RelatedPerson/rp-1"));
    const Run wrong = run({QStringLiteral("users"), QStringLiteral("link"), user.username,
                           QStringLiteral("Observation/1")});
    QCOMPARE(wrong.code, int(Cli::ExitUsage));
    const Run unlinked = run({QStringLiteral("users"), QStringLiteral("link"), user.username,
                              QStringLiteral("--unlink")});
    QCOMPARE(unlinked.code, int(Cli::ExitOk));
    QVERIFY(unlinked.out.contains(u"no longer linked"));
    QVERIFY(admin.deleteUser(user.username)->runSynchronously(30000));
}

void TestKeycloakCli::setupTwiceCreatesNothingTheSecondTime()
{
    const QString realmName = uniqueName("cli-setup");
    m_realms << realmName;
    const QString secretFile = m_dir.filePath(QStringLiteral("gateway-secret"));
    const Run first = run({QStringLiteral("keycloak"), QStringLiteral("setup"),
                           QStringLiteral("--gateway-secret-file"), secretFile},
                          realmName);
    QVERIFY2(first.code == Cli::ExitOk, qPrintable(first.err));
    QVERIFY(first.out.contains(QStringLiteral("created  realm '%1'").arg(realmName)));
    QVERIFY(first.out.contains(u"created  gateway client 'proxy-smart-gateway'"));
    QVERIFY(QFile::exists(secretFile));

    const Run second = run(
        {QStringLiteral("keycloak"), QStringLiteral("setup"), QStringLiteral("--json")}, realmName);
    QVERIFY2(second.code == Cli::ExitOk, qPrintable(second.err));
    QCOMPARE(second.json().object().value(u"created").toArray().size(), 0);
    QVERIFY(second.json().object().value(u"present").toArray().size() > 60);

    // The gateway's own client signs in with the saved secret and reads the registry.
    const Run asGateway = run({QStringLiteral("apps"), QStringLiteral("list"),
                               QStringLiteral("--client-id"), QStringLiteral("proxy-smart-gateway"),
                               QStringLiteral("--client-secret-file"), secretFile},
                              realmName);
    QVERIFY2(asGateway.code == Cli::ExitOk, qPrintable(asGateway.err));
    QVERIFY(asGateway.out.contains(u"proxy-smart-gateway"));
}

void TestKeycloakCli::badPasswordFileExitsOne()
{
    const QString passwordFile = m_dir.filePath(QStringLiteral("bad-password"));
    QFile file(passwordFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("definitely-wrong\n");
    file.close();
    QVERIFY(QFile::setPermissions(passwordFile, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    const Run result = run({QStringLiteral("apps"), QStringLiteral("list"),
                            QStringLiteral("--admin-password-file"), passwordFile});
    QCOMPARE(result.code, int(Cli::ExitFailure));
    QVERIFY2(result.err.contains(u"Invalid user credentials (HTTP 40"), qPrintable(result.err));
    QVERIFY(!result.err.contains(u"definitely-wrong"));
}

void TestKeycloakCli::serviceAccountFromEnvironment()
{
    qputenv("PROXYSMART_KEYCLOAK_CLIENT_SECRET", "proxy-smart-gateway-secret");
    const Run result = run({QStringLiteral("apps"), QStringLiteral("list"),
                            QStringLiteral("--client-id"), QStringLiteral("proxy-smart-gateway")});
    qunsetenv("PROXYSMART_KEYCLOAK_CLIENT_SECRET");
    QVERIFY2(result.code == Cli::ExitOk, qPrintable(result.err));
    QVERIFY(result.out.contains(u"smart-public-app"));
}

QTEST_GUILESS_MAIN(TestKeycloakCli)
#include "tst_keycloakcli.moc"
