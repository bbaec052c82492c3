#include "authz/Engine.h"
#include "authz/RequestClassifier.h"
#include "cli/Commands.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QUrl>

namespace ProxySmart::Cli {

namespace {

constexpr qint64 maxBodyBytes = 64 * 1024 * 1024;

QString authzUsage()
{
    return QStringLiteral(
        "Usage: proxy-smartd authz explain --scope \"SCOPES\" [--patient ID] [--fhir-user REF]\n"
        "           [--assigned-patients ID,ID...] [--body FILE] [--content-type TYPE]\n"
        "           [--if-none-exist QUERY] [--base URL] METHOD URL\n\n"
        "Explains the authorization decision for one FHIR request as JSON:\n"
        "{\"decision\": \"allow\"|\"deny\", \"reasons\": [...], \"constraints\": [...]}.\n"
        "URL is the path under the FHIR base (\"Observation/123?_include=...\"), or an\n"
        "absolute URL under --base.\n"
        "Exit codes: 0 allowed, 1 denied, 2 wrong usage.\n");
}

} // namespace

int authzCommand(const QStringList &arguments, Io &io)
{
    if (arguments.isEmpty() || arguments.first() == u"--help" || arguments.first() == u"-h"
        || arguments.first() == u"help") {
        (arguments.isEmpty() ? io.err : io.out) << authzUsage();
        return arguments.isEmpty() ? ExitUsage : ExitOk;
    }
    if (arguments.first() != u"explain") {
        io.err << "proxy-smartd authz: unknown subcommand \"" << arguments.first() << "\"\n\n"
               << authzUsage();
        return ExitUsage;
    }

    QCommandLineParser parser;
    const QCommandLineOption scopeOption(QStringLiteral("scope"),
                                         QStringLiteral("The token's scopes, space-separated."),
                                         QStringLiteral("SCOPES"));
    const QCommandLineOption patientOption(
        QStringLiteral("patient"), QStringLiteral("The patient in context."), QStringLiteral("ID"));
    const QCommandLineOption fhirUserOption(QStringLiteral("fhir-user"),
                                            QStringLiteral("The token's fhirUser."),
                                            QStringLiteral("REF"));
    const QCommandLineOption assignedOption(
        QStringLiteral("assigned-patients"),
        QStringLiteral("The patients a Practitioner user is assigned to (comma-separated)."),
        QStringLiteral("IDS"));
    const QCommandLineOption bodyOption(QStringLiteral("body"), QStringLiteral("The request body."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption contentTypeOption(QStringLiteral("content-type"),
                                               QStringLiteral("The body's Content-Type."),
                                               QStringLiteral("TYPE"));
    const QCommandLineOption ifNoneExistOption(
        QStringLiteral("if-none-exist"),
        QStringLiteral("The If-None-Exist header of a conditional create."),
        QStringLiteral("QUERY"));
    const QCommandLineOption baseOption(QStringLiteral("base"),
                                        QStringLiteral("The FHIR base of an absolute URL."),
                                        QStringLiteral("URL"));
    const QCommandLineOption helpOption(QStringList {QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Show this help."));
    parser.addOptions({scopeOption, patientOption, fhirUserOption, assignedOption, bodyOption,
                       contentTypeOption, ifNoneExistOption, baseOption, helpOption});
    if (!parser.parse(QStringList {QStringLiteral("proxy-smartd authz explain")}
                      + arguments.mid(1))) {
        io.err << "proxy-smartd authz explain: " << parser.errorText() << "\n";
        return ExitUsage;
    }
    if (parser.isSet(helpOption)) {
        io.out << authzUsage();
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        io.err << "proxy-smartd authz explain: expected METHOD and URL\n\n" << authzUsage();
        return ExitUsage;
    }
    if (!parser.isSet(scopeOption)) {
        io.err << "proxy-smartd authz explain: --scope is required (it may be empty)\n";
        return ExitUsage;
    }

    const QString method = positional.at(0).toUpper();
    QString url = positional.at(1);
    if (url.contains(QLatin1String("://"))) {
        if (!parser.isSet(baseOption)) {
            io.err << "proxy-smartd authz explain: an absolute URL needs --base\n";
            return ExitUsage;
        }
        QString base = parser.value(baseOption);
        if (!base.endsWith(u'/'))
            base += u'/';
        if (!url.startsWith(base) && url != base.chopped(1)) {
            io.err << "proxy-smartd authz explain: the URL is not under --base " << base << "\n";
            return ExitUsage;
        }
        url = url.mid(qMin(url.size(), base.size()));
    }
    const qsizetype question = url.indexOf(u'?');
    const QString path = question >= 0 ? url.left(question) : url;
    const QString query = question >= 0 ? url.mid(question + 1) : QString();

    QByteArray body;
    QString contentType = parser.value(contentTypeOption);
    if (parser.isSet(bodyOption)) {
        QFile file(parser.value(bodyOption));
        if (!file.open(QIODevice::ReadOnly)) {
            io.err << "proxy-smartd authz explain: cannot read " << file.fileName() << ": "
                   << file.errorString() << "\n";
            return ExitUsage;
        }
        if (file.size() > maxBodyBytes) {
            io.err << "proxy-smartd authz explain: " << file.fileName() << " is too large\n";
            return ExitUsage;
        }
        body = file.readAll();
        if (contentType.isEmpty()) {
            contentType = path.endsWith(QLatin1String("_search"))
                ? QStringLiteral("application/x-www-form-urlencoded")
                : QStringLiteral("application/fhir+json");
        }
    }

    Authz::AuthzContext context;
    context.patientId = parser.value(patientOption);
    context.fhirUser = parser.value(fhirUserOption);
    if (parser.isSet(assignedOption)) {
        context.assignedPatientsKnown = true;
        context.assignedPatients = parser.value(assignedOption).split(u',', Qt::SkipEmptyParts);
    }

    const Authz::ScopeSet grants = Authz::ScopeSet::parse(parser.value(scopeOption));
    const Authz::Decision decision = Authz::Engine::explain(
        grants, method, path, query, contentType, body, context, parser.value(ifNoneExistOption));

    QJsonObject json = decision.toJson();
    const Result<Authz::FhirRequest> classified = Authz::RequestClassifier::classify(
        method, path, query, contentType, body, parser.value(ifNoneExistOption));
    if (classified)
        json.insert(QLatin1StringView("request"), classified->toJson());
    io.out << QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Indented));
    io.out.flush();
    return decision.allowed ? ExitOk : ExitFailure;
}

} // namespace ProxySmart::Cli
