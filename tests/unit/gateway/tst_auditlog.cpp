#include "gateway/AuditLog.h"

#include <QDir>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <thread>
#include <vector>

using namespace ProxySmart;

class TestAuditLog : public QObject
{
    Q_OBJECT

private slots:
    void masksEveryQueryValue_data();
    void masksEveryQueryValue();
    void writesOneLinePerRecordAndCallsTheSink();
    void rotatesBySizeAndKeepsTheConfiguredFiles();
    void recordsFromManyThreadsStayWholeLines();
};

void TestAuditLog::masksEveryQueryValue_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("logged");

    QTest::newRow("a path without query is kept")
        << QByteArray("/fhir/hapi/Patient/patient-01") << QByteArray()
        << QByteArray("/fhir/hapi/Patient/patient-01");
    QTest::newRow("names and birth dates are masked")
        << QByteArray("/fhir/hapi/Patient") << QByteArray("name=Alice&birthdate=1985-03-14")
        << QByteArray("/fhir/hapi/Patient?name=***&birthdate=***");
    QTest::newRow("identifiers with modifiers are masked, the modifier stays")
        << QByteArray("/fhir/hapi/Patient") << QByteArray("identifier:of-type=x%7CMRN-1001")
        << QByteArray("/fhir/hapi/Patient?identifier:of-type=***");
    QTest::newRow("a parameter without value stays as it is")
        << QByteArray("/fhir/hapi/Observation") << QByteArray("_summary&code=1")
        << QByteArray("/fhir/hapi/Observation?_summary&code=***");
}

void TestAuditLog::masksEveryQueryValue()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, logged);
    QCOMPARE(AuditLog::maskedTarget(path, query), logged);
}

void TestAuditLog::writesOneLinePerRecordAndCallsTheSink()
{
    QTemporaryDir dir;
    QList<QJsonObject> seen;
    AuditConfig config;
    config.file = dir.filePath(QStringLiteral("sub/audit.log"));
    {
        AuditLog log(config, [&seen](const QJsonObject &record) { seen.append(record); });
        log.record({{QStringLiteral("decision"), QStringLiteral("allow")}});
        log.record({{QStringLiteral("decision"), QStringLiteral("deny")}});
    } // the destructor flushes
    QCOMPARE(seen.size(), 2);
    QFile file(config.file);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QCOMPARE(QJsonDocument::fromJson(lines.at(1)).object().value(u"decision").toString(),
             QStringLiteral("deny"));
    QCOMPARE(file.permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
             QFileDevice::Permissions());
}

void TestAuditLog::rotatesBySizeAndKeepsTheConfiguredFiles()
{
    QTemporaryDir dir;
    AuditConfig config;
    config.file = dir.filePath(QStringLiteral("audit.log"));
    config.maxBytes = 4096;
    config.keepFiles = 2;
    AuditLog log(config);
    const QString filler(200, u'x');
    for (int i = 0; i < 100; ++i)
        log.record({{QStringLiteral("n"), i}, {QStringLiteral("filler"), filler}});
    log.flush();
    QVERIFY(QFileInfo(config.file).size() <= config.maxBytes);
    QVERIFY(QFile::exists(config.file + QStringLiteral(".1")));
    QVERIFY(QFile::exists(config.file + QStringLiteral(".2")));
    QVERIFY(!QFile::exists(config.file + QStringLiteral(".3")));
    QFile current(config.file);
    QVERIFY(current.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = current.readAll().trimmed().split('\n');
    QCOMPARE(QJsonDocument::fromJson(lines.last()).object().value(u"n").toInt(), 99);
}

void TestAuditLog::recordsFromManyThreadsStayWholeLines()
{
    QTemporaryDir dir;
    AuditConfig config;
    config.file = dir.filePath(QStringLiteral("audit.log"));
    config.maxBytes = qint64(1) << 30;
    AuditLog log(config);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&log, t] {
            for (int i = 0; i < 250; ++i)
                log.record({{QStringLiteral("thread"), t}, {QStringLiteral("n"), i}});
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    log.flush();
    QFile file(config.file);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 1000);
    for (const QByteArray &line : lines)
        QVERIFY(QJsonDocument::fromJson(line).isObject());
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
