#include "JoseTestSupport.h"

#include "cli/Cli.h"
#include "jose/TokenSigner.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace ProxySmart;
using namespace ProxySmart::Jose;

namespace {

const QString issuer = QStringLiteral("https://login.example/realms/test");
constexpr qint64 issuedAt = 1700000000;

} // namespace

class TestTokenCommand : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void verify_data();
    void verify();

private:
    QTemporaryDir m_dir;
    QString m_jwksPath;
    QByteArray m_token;
};

void TestTokenCommand::initTestCase()
{
    QVERIFY(m_dir.isValid());
    ManualClock clock(issuedAt);
    TokenSigner signer(clock, 600);
    signer.rotate(SigningKey::generate(JwsAlgorithm::ES256).value());
    m_token = signer
                  .sign(QJsonObject {{QLatin1String("iss"), issuer},
                                     {QLatin1String("aud"), QStringLiteral("proxy-smart")},
                                     {QLatin1String("sub"), QStringLiteral("alice")},
                                     {QLatin1String("exp"), double(issuedAt + 300)}})
                  .value();
    m_jwksPath = m_dir.filePath(QStringLiteral("jwks.json"));
    QFile file(m_jwksPath);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(signer.jwks());
}

void TestTokenCommand::verify_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("errorCode"); // the "error" on stdout; empty when none expected
    QTest::addColumn<QString>("expectedOut");

    const QString now = QString::number(issuedAt + 10);
    const QStringList base {QStringLiteral("token"),      QStringLiteral("verify"),
                            QStringLiteral("--jwks"),     m_jwksPath,
                            QStringLiteral("--issuer"),   issuer,
                            QStringLiteral("--audience"), QStringLiteral("proxy-smart")};
    const QByteArray token = m_token + '\n';
    QTest::newRow("a valid token prints its claims and exits 0")
        << (base + QStringList {QStringLiteral("--now"), now}) << token << 0 << QString()
        << QStringLiteral("\"sub\":\"alice\"");
    QTest::newRow("the same token later is expired: exit 1 with the reason")
        << (base + QStringList {QStringLiteral("--now"), QString::number(issuedAt + 400)}) << token
        << 1 << "jwt.expired" << QString();
    QTest::newRow("a larger leeway accepts it again")
        << (base
            + QStringList {QStringLiteral("--now"), QString::number(issuedAt + 340),
                           QStringLiteral("--leeway"), QStringLiteral("120")})
        << token << 0 << QString() << QStringLiteral("\"iss\"");
    QTest::newRow("another audience is refused")
        << QStringList {QStringLiteral("token"),      QStringLiteral("verify"),
                        QStringLiteral("--jwks"),     m_jwksPath,
                        QStringLiteral("--issuer"),   issuer,
                        QStringLiteral("--audience"), QStringLiteral("other"),
                        QStringLiteral("--now"),      now}
        << token << 1 << "jwt.audience_mismatch" << QString();
    QTest::newRow("another issuer is refused")
        << QStringList {QStringLiteral("token"),      QStringLiteral("verify"),
                        QStringLiteral("--jwks"),     m_jwksPath,
                        QStringLiteral("--issuer"),   QStringLiteral("https://other.example"),
                        QStringLiteral("--audience"), QStringLiteral("proxy-smart"),
                        QStringLiteral("--now"),      now}
        << token << 1 << "jwt.issuer_unknown" << QString();
    QTest::newRow("garbage on stdin is refused")
        << (base + QStringList {QStringLiteral("--now"), now}) << QByteArray("hello") << 1
        << "jws.malformed" << QString();
    QTest::newRow("an alg none token is refused")
        << (base + QStringList {QStringLiteral("--now"), now})
        << QByteArray("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.") << 1 << "jws.alg_none" << QString();
    QTest::newRow("a missing JWKS file is refused")
        << QStringList {QStringLiteral("token"),      QStringLiteral("verify"),
                        QStringLiteral("--jwks"),     QStringLiteral("/nonexistent/jwks.json"),
                        QStringLiteral("--issuer"),   issuer,
                        QStringLiteral("--audience"), QStringLiteral("proxy-smart")}
        << token << 1 << "jwks.unreadable" << QString();
    QTest::newRow("an unreachable JWKS URL is refused")
        << QStringList {QStringLiteral("token"),      QStringLiteral("verify"),
                        QStringLiteral("--jwks"),     QStringLiteral("http://127.0.0.1:1/jwks"),
                        QStringLiteral("--issuer"),   issuer,
                        QStringLiteral("--audience"), QStringLiteral("proxy-smart")}
        << token << 1 << "jwks.fetch_failed" << QString();
    QTest::newRow("without --issuer it is wrong usage")
        << QStringList {QStringLiteral("token"),      QStringLiteral("verify"),
                        QStringLiteral("--jwks"),     m_jwksPath,
                        QStringLiteral("--audience"), QStringLiteral("proxy-smart")}
        << token << 2 << QString() << QString();
    QTest::newRow("a leeway over five minutes is wrong usage")
        << (base + QStringList {QStringLiteral("--leeway"), QStringLiteral("301")}) << token << 2
        << QString() << QString();
    QTest::newRow("a non-numeric --now is wrong usage")
        << (base + QStringList {QStringLiteral("--now"), QStringLiteral("yesterday")}) << token << 2
        << QString() << QString();
    QTest::newRow("an unknown option is wrong usage")
        << (base + QStringList {QStringLiteral("--bogus")}) << token << 2 << QString() << QString();
    QTest::newRow("an unknown subcommand is wrong usage")
        << QStringList {QStringLiteral("token"), QStringLiteral("sign")} << token << 2 << QString()
        << QString();
    QTest::newRow("token verify --help explains the options")
        << QStringList {QStringLiteral("token"), QStringLiteral("verify"), QStringLiteral("--help")}
        << QByteArray() << 0 << QString() << QStringLiteral("--jwks");
}

void TestTokenCommand::verify()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, input);
    QFETCH(int, exitCode);
    QFETCH(QString, errorCode);
    QFETCH(QString, expectedOut);

    QString out;
    QString err;
    QTextStream outStream(&out);
    QTextStream errStream(&err);
    QBuffer in(&input);
    QVERIFY(in.open(QIODevice::ReadOnly));
    Cli::Io io {outStream, errStream, &in};
    QCOMPARE(Cli::run(arguments, io), exitCode);
    outStream.flush();
    errStream.flush();
    if (exitCode == 1) {
        const QJsonObject answer = QJsonDocument::fromJson(out.toUtf8()).object();
        QCOMPARE(answer.value(QLatin1String("error")).toString(), errorCode);
        QVERIFY(!answer.value(QLatin1String("message")).toString().isEmpty());
    }
    if (exitCode == 0 && !errorCode.isEmpty())
        QFAIL("row error");
    if (exitCode == 2)
        QVERIFY2(!err.isEmpty() && out.isEmpty(), qPrintable(out));
    if (!expectedOut.isEmpty())
        QVERIFY2(out.contains(expectedOut), qPrintable(out));
    if (exitCode == 0 && arguments.contains(QStringLiteral("--now"))) {
        // The claims come back as one JSON object.
        QVERIFY(QJsonDocument::fromJson(out.toUtf8()).isObject());
    }
}

QTEST_GUILESS_MAIN(TestTokenCommand)
#include "tst_tokencommand.moc"
