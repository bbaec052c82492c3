#include "cli/Commands.h"
#include "jose/JwkSet.h"
#include "jose/TokenVerifier.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace ProxySmart::Cli {

namespace {

constexpr qsizetype maxInputBytes = 1024 * 1024;
constexpr int fetchTimeoutMSecs = 15000;

QString errorJson(const Error &error)
{
    const QJsonObject object {{QLatin1String("error"), error.code},
                              {QLatin1String("message"), error.message}};
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// The JWKS named on the command line: an http(s) URL fetched once, or a file.
Result<QByteArray> loadJwks(const QString &source)
{
    const QUrl url(source);
    if (url.scheme() == u"http" || url.scheme() == u"https") {
        QNetworkAccessManager network;
        QNetworkRequest request(url);
        request.setTransferTimeout(fetchTimeoutMSecs);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                             QNetworkRequest::NoLessSafeRedirectPolicy);
        QNetworkReply *reply = network.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(fetchTimeoutMSecs + 1000, &loop, &QEventLoop::quit);
        loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool finished = reply->isFinished();
        const QByteArray body = reply->read(Jose::JwkSet::maxBytes + 1);
        const QString errorText = reply->errorString();
        const bool ok = finished && reply->error() == QNetworkReply::NoError && status == 200;
        delete reply;
        if (!ok) {
            return Result<QByteArray>::failure(
                QStringLiteral("jwks.fetch_failed"),
                QStringLiteral("Fetching the JWKS failed (HTTP %1: %2).")
                    .arg(status)
                    .arg(errorText));
        }
        return body;
    }
    QFile file(source);
    if (!file.open(QIODevice::ReadOnly)) {
        return Result<QByteArray>::failure(
            QStringLiteral("jwks.unreadable"),
            QStringLiteral("Cannot read %1: %2.").arg(source, file.errorString()));
    }
    return file.read(Jose::JwkSet::maxBytes + 1);
}

int verify(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Verify one token read from standard input. Valid: exit 0 and the claims as "
                       "JSON. Invalid: exit 1 and {\"error\": CODE, \"message\": TEXT}."));
    const QCommandLineOption jwksOption(
        QStringLiteral("jwks"), QStringLiteral("The issuer's JWKS: a file or an http(s) URL."),
        QStringLiteral("FILE_OR_URL"));
    const QCommandLineOption issuerOption(QStringLiteral("issuer"),
                                          QStringLiteral("The expected \"iss\", exactly."),
                                          QStringLiteral("ISS"));
    const QCommandLineOption audienceOption(QStringLiteral("audience"),
                                            QStringLiteral("The audience \"aud\" must contain."),
                                            QStringLiteral("AUD"));
    const QCommandLineOption leewayOption(
        QStringLiteral("leeway"),
        QStringLiteral("Clock skew allowed on exp/nbf/iat, 0 to %1 (default %2).")
            .arg(Jose::IssuerConfig::maxLeewaySecs)
            .arg(Jose::IssuerConfig::defaultLeewaySecs),
        QStringLiteral("SECONDS"));
    const QCommandLineOption nowOption(QStringLiteral("now"),
                                       QStringLiteral("Verify as of this time (seconds since the "
                                                      "epoch) instead of the clock."),
                                       QStringLiteral("EPOCH"));
    const QCommandLineOption typeOption(
        QStringLiteral("typ"), QStringLiteral("Require this header \"typ\" (e.g. at+jwt)."),
        QStringLiteral("TYPE"));
    const QCommandLineOption helpOption(QStringList {QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Show this help."));
    parser.addOptions({jwksOption, issuerOption, audienceOption, leewayOption, nowOption,
                       typeOption, helpOption});
    if (!parser.parse(QStringList {QStringLiteral("proxy-smartd token verify")} + arguments)) {
        io.err << "proxy-smartd token verify: " << parser.errorText() << "\n";
        return ExitUsage;
    }
    if (parser.isSet(helpOption)) {
        io.out << parser.helpText();
        return ExitOk;
    }
    if (!parser.positionalArguments().isEmpty()) {
        io.err << "proxy-smartd token verify: unexpected argument \""
               << parser.positionalArguments().first() << "\"\n";
        return ExitUsage;
    }
    for (const QCommandLineOption *required : {&jwksOption, &issuerOption, &audienceOption}) {
        if (parser.value(*required).isEmpty()) {
            io.err << "proxy-smartd token verify: --" << required->names().first()
                   << " is required\n";
            return ExitUsage;
        }
    }
    Jose::IssuerConfig config;
    config.issuer = parser.value(issuerOption);
    config.audience = parser.value(audienceOption);
    config.type = parser.value(typeOption);
    if (parser.isSet(leewayOption)) {
        bool ok = false;
        config.leewaySecs = parser.value(leewayOption).toInt(&ok);
        if (!ok || config.leewaySecs < 0 || config.leewaySecs > Jose::IssuerConfig::maxLeewaySecs) {
            io.err << "proxy-smartd token verify: --leeway must be a number from 0 to "
                   << Jose::IssuerConfig::maxLeewaySecs << "\n";
            return ExitUsage;
        }
    }
    std::optional<ManualClock> fixedClock;
    if (parser.isSet(nowOption)) {
        bool ok = false;
        const qint64 now = parser.value(nowOption).toLongLong(&ok);
        if (!ok || now < 0) {
            io.err << "proxy-smartd token verify: --now must be seconds since the epoch\n";
            return ExitUsage;
        }
        fixedClock.emplace(now);
    }
    if (!io.in) {
        io.err << "proxy-smartd token verify: no standard input to read the token from\n";
        return ExitUsage;
    }

    auto jwks = loadJwks(parser.value(jwksOption));
    if (!jwks) {
        io.out << errorJson(jwks.error()) << Qt::endl;
        return ExitFailure;
    }
    config.staticJwks = jwks.value();
    if (config.staticJwks.isEmpty()) {
        io.out << errorJson(
            Error {QStringLiteral("jwks.invalid_json"), QStringLiteral("The JWKS is empty.")})
               << Qt::endl;
        return ExitFailure;
    }
    const Clock &clock = fixedClock ? static_cast<const Clock &>(*fixedClock) : Clock::system();
    auto verifier = Jose::TokenVerifier::create({config}, clock);
    if (!verifier) {
        io.out << errorJson(verifier.error()) << Qt::endl;
        return ExitFailure;
    }

    QByteArray token;
    while (token.size() <= maxInputBytes) {
        const QByteArray chunk = io.in->read(maxInputBytes + 1 - token.size());
        if (chunk.isEmpty())
            break;
        token += chunk;
    }
    token = token.trimmed();
    auto verified = verifier.value()->verify(token, Jose::TokenVerifier::CacheUse::Bypass);
    if (!verified) {
        io.out << errorJson(verified.error()) << Qt::endl;
        return ExitFailure;
    }
    io.out << QString::fromUtf8(QJsonDocument(verified->claims()).toJson(QJsonDocument::Compact))
           << Qt::endl;
    return ExitOk;
}

} // namespace

int tokenCommand(const QStringList &arguments, Io &io)
{
    const QString usageText =
        QStringLiteral("Usage: proxy-smartd token verify --jwks FILE_OR_URL --issuer ISS "
                       "--audience AUD [--leeway SECONDS] [--now EPOCH] [--typ TYPE] < token\n");
    if (arguments.isEmpty()) {
        io.err << usageText;
        return ExitUsage;
    }
    const QString sub = arguments.first();
    if (sub == u"--help" || sub == u"-h" || sub == u"help") {
        io.out << usageText;
        return ExitOk;
    }
    if (sub == u"verify")
        return verify(arguments.mid(1), io);
    io.err << "proxy-smartd token: unknown subcommand \"" << sub << "\"\n" << usageText;
    return ExitUsage;
}

} // namespace ProxySmart::Cli
