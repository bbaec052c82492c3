// proxy-smartd keycloak | apps | users: Keycloak administration for scripts.
// Secrets come from files (mode 0600) or the environment, never from the
// command line, where `ps` would show them.
#include "cli/Commands.h"
#include "keycloak/KeycloakAdmin.h"
#include "keycloak/KeycloakSession.h"
#include "secrets/EnvironmentSecretStore.h"
#include "secrets/FileSecretStore.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QProcessEnvironment>

#include <memory>

namespace ProxySmart::Cli {

namespace {

// The options every Keycloak command shares: where Keycloak is and how to
// sign in.
struct ConnectionOptions
{
    QCommandLineOption url {QStringLiteral("url"),
                            QStringLiteral("Keycloak's base URL (or PROXYSMART_KEYCLOAK_URL)."),
                            QStringLiteral("URL")};
    QCommandLineOption realm {QStringLiteral("realm"),
                              QStringLiteral("The realm to manage (or PROXYSMART_KEYCLOAK_REALM)."),
                              QStringLiteral("REALM")};
    QCommandLineOption authRealm {
        QStringLiteral("auth-realm"),
        QStringLiteral("The realm to sign in to (default: master for an admin user, the managed "
                       "realm for a client)."),
        QStringLiteral("REALM")};
    QCommandLineOption clientId {QStringLiteral("client-id"),
                                 QStringLiteral("Sign in as this service-account client."),
                                 QStringLiteral("ID")};
    QCommandLineOption clientSecretFile {
        QStringLiteral("client-secret-file"),
        QStringLiteral("File (mode 0600) with the client's secret (or "
                       "PROXYSMART_KEYCLOAK_CLIENT_SECRET)."),
        QStringLiteral("FILE")};
    QCommandLineOption adminUser {
        QStringLiteral("admin-user"),
        QStringLiteral("Sign in as this admin user (or PROXYSMART_KEYCLOAK_ADMIN_USER)."),
        QStringLiteral("USER")};
    QCommandLineOption adminPasswordFile {
        QStringLiteral("admin-password-file"),
        QStringLiteral("File (mode 0600) with the admin's password (or "
                       "PROXYSMART_KEYCLOAK_ADMIN_PASSWORD)."),
        QStringLiteral("FILE")};
    QCommandLineOption adminClientId {QStringLiteral("admin-client-id"),
                                      QStringLiteral("The admin client for the password grant "
                                                     "(default admin-cli)."),
                                      QStringLiteral("ID"), QStringLiteral("admin-cli")};
    QCommandLineOption timeout {QStringLiteral("timeout"),
                                QStringLiteral("Give up after this many seconds (default 120)."),
                                QStringLiteral("SECONDS"), QStringLiteral("120")};
    QCommandLineOption json {QStringLiteral("json"),
                             QStringLiteral("Write JSON to standard output.")};
    QCommandLineOption help {QStringList {QStringLiteral("h"), QStringLiteral("help")},
                             QStringLiteral("Show this help.")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOptions({url, realm, authRealm, clientId, clientSecretFile, adminUser,
                           adminPasswordFile, adminClientId, timeout, json, help});
    }
};

// A parsed command line with its Keycloak session, ready to run jobs.
class Context
{
public:
    Context(QString command, Io &io)
        : m_command(std::move(command))
        , m_io(io)
    {
        m_parser.setApplicationDescription(QString());
        m_connection.addTo(m_parser);
        // The command reports failures itself, once; the library's log lines
        // would repeat them. QT_LOGGING_RULES brings them back.
        if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
            QLoggingCategory::setFilterRules(
                QStringLiteral("proxysmart.proxy.keycloak.info=false\n"
                               "proxysmart.proxy.keycloak.warning=false"));
    }

    QCommandLineParser &parser() { return m_parser; }
    Io &io() { return m_io; }
    bool json() const { return m_parser.isSet(m_connection.json); }
    int timeoutMs() const { return m_timeoutMs; }

    int usage(const QString &message)
    {
        m_io.err << "proxy-smartd " << m_command << ": " << message << "\n";
        return ExitUsage;
    }
    int failure(const QString &message)
    {
        m_io.err << "proxy-smartd " << m_command << ": " << message << "\n";
        return ExitFailure;
    }

    // Parses; returns -1 to go on, or the exit code to return now.
    int parse(const QStringList &arguments, const QString &description, qsizetype positionals,
              const QString &positionalSyntax)
    {
        m_parser.setApplicationDescription(description);
        if (!positionalSyntax.isEmpty())
            m_parser.addPositionalArgument(positionalSyntax, QString());
        if (!m_parser.parse(QStringList {QStringLiteral("proxy-smartd ") + m_command} + arguments))
            return usage(m_parser.errorText());
        if (m_parser.isSet(m_connection.help)) {
            m_io.out << m_parser.helpText();
            return ExitOk;
        }
        if (m_parser.positionalArguments().size() != positionals)
            return usage(positionals == 0 ? QStringLiteral("unexpected argument \"%1\"")
                                                .arg(m_parser.positionalArguments().value(0))
                                          : QStringLiteral("expected %1").arg(positionalSyntax));
        bool ok = false;
        const int seconds = m_parser.value(m_connection.timeout).toInt(&ok);
        if (!ok || seconds < 1 || seconds > 3600)
            return usage(QStringLiteral("--timeout must be 1 to 3600 seconds"));
        m_timeoutMs = seconds * 1000;
        return connect();
    }

    KeycloakAdmin &admin() { return *m_admin; }
    KeycloakSession &session() { return *m_session; }

    // Runs a job to the end; on failure prints its error. True on success.
    bool run(KeycloakJob &job)
    {
        if (job.runSynchronously(m_timeoutMs))
            return true;
        m_io.err << "proxy-smartd " << m_command << ": " << job.error().message() << "\n";
        return false;
    }

    void printJson(const QJsonValue &value)
    {
        const QJsonDocument document =
            value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
        m_io.out << QString::fromUtf8(document.toJson(QJsonDocument::Indented));
        m_io.out.flush();
    }

private:
    int connect()
    {
        const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        const auto valueOrEnv = [&](const QCommandLineOption &option, const QString &variable) {
            return m_parser.isSet(option) ? m_parser.value(option) : environment.value(variable);
        };
        const QString urlText =
            valueOrEnv(m_connection.url, QStringLiteral("PROXYSMART_KEYCLOAK_URL"));
        const QString realm =
            valueOrEnv(m_connection.realm, QStringLiteral("PROXYSMART_KEYCLOAK_REALM"));
        if (urlText.isEmpty())
            return usage(QStringLiteral("--url is required (or PROXYSMART_KEYCLOAK_URL)"));
        const QUrl url(urlText, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")
            || url.host().isEmpty())
            return usage(QStringLiteral("--url \"%1\" is not an http(s) URL").arg(urlText));
        if (realm.isEmpty())
            return usage(QStringLiteral("--realm is required (or PROXYSMART_KEYCLOAK_REALM)"));

        EnvironmentSecretStore environmentSecrets(environment);
        const auto secret = [&](const QCommandLineOption &fileOption,
                                const QString &key) -> Result<QString> {
            if (m_parser.isSet(fileOption))
                return FileSecretStore::readFile(m_parser.value(fileOption));
            return environmentSecrets.readNow(key);
        };
        KeycloakCredentials credentials;
        if (m_parser.isSet(m_connection.clientId)) {
            if (m_parser.isSet(m_connection.adminUser)
                || m_parser.isSet(m_connection.adminPasswordFile))
                return usage(
                    QStringLiteral("sign in either as a client or as an admin user, not both"));
            const auto clientSecret =
                secret(m_connection.clientSecretFile, QStringLiteral("keycloak/client-secret"));
            if (!clientSecret)
                return failure(QStringLiteral("no client secret: %1 (use --client-secret-file "
                                              "FILE or PROXYSMART_KEYCLOAK_CLIENT_SECRET)")
                                   .arg(clientSecret.error().message));
            credentials = KeycloakCredentials::serviceAccount(
                m_parser.isSet(m_connection.authRealm) ? m_parser.value(m_connection.authRealm)
                                                       : realm,
                m_parser.value(m_connection.clientId), clientSecret.value());
        } else {
            const QString user = valueOrEnv(m_connection.adminUser,
                                            QStringLiteral("PROXYSMART_KEYCLOAK_ADMIN_USER"));
            if (user.isEmpty())
                return usage(QStringLiteral("how to sign in is missing: --client-id ID with "
                                            "--client-secret-file FILE, or --admin-user USER with "
                                            "--admin-password-file FILE (or the "
                                            "PROXYSMART_KEYCLOAK_* variables)"));
            const auto password =
                secret(m_connection.adminPasswordFile, QStringLiteral("keycloak/admin-password"));
            if (!password)
                return failure(QStringLiteral("no admin password: %1 (use --admin-password-file "
                                              "FILE or PROXYSMART_KEYCLOAK_ADMIN_PASSWORD)")
                                   .arg(password.error().message));
            credentials = KeycloakCredentials::adminUser(
                user, password.value(),
                m_parser.isSet(m_connection.authRealm) ? m_parser.value(m_connection.authRealm)
                                                       : QStringLiteral("master"),
                m_parser.value(m_connection.adminClientId));
        }
        m_session = std::make_unique<KeycloakSession>(url, realm);
        m_session->setTimeoutMs(qMin(m_timeoutMs, 60000));
        m_session->setCredentials(credentials);
        m_admin = std::make_unique<KeycloakAdmin>(m_session.get());
        return -1;
    }

    QString m_command;
    Io &m_io;
    QCommandLineParser m_parser;
    ConnectionOptions m_connection;
    int m_timeoutMs = 120000;
    std::unique_ptr<KeycloakSession> m_session;
    std::unique_ptr<KeycloakAdmin> m_admin;
};

QString subcommandUsage(const QString &command, const QStringList &subcommands)
{
    return QStringLiteral("Usage: proxy-smartd %1 %2 [OPTIONS]\nRun `proxy-smartd %1 SUBCOMMAND "
                          "--help` for the options.\n")
        .arg(command, subcommands.join(u'|'));
}

// Splits `COMMAND SUBCOMMAND ARGS…`; returns -1 to go on or an exit code.
int pickSubcommand(const QString &command, const QStringList &subcommands,
                   const QStringList &arguments, Io &io)
{
    if (arguments.isEmpty()) {
        io.err << subcommandUsage(command, subcommands);
        return ExitUsage;
    }
    const QString first = arguments.first();
    if (first == u"--help" || first == u"-h" || first == u"help") {
        io.out << subcommandUsage(command, subcommands);
        return ExitOk;
    }
    if (!subcommands.contains(first)) {
        io.err << "proxy-smartd " << command << ": unknown subcommand \"" << first << "\"\n"
               << subcommandUsage(command, subcommands);
        return ExitUsage;
    }
    return -1;
}

// --- keycloak setup -------------------------------------------------------------

int keycloakSetup(const QStringList &arguments, Io &io)
{
    Context context(QStringLiteral("keycloak setup"), io);
    const QCommandLineOption gatewayClient(QStringLiteral("gateway-client-id"),
                                           QStringLiteral("The gateway's own client (default "
                                                          "proxy-smart-gateway)."),
                                           QStringLiteral("ID"),
                                           QStringLiteral("proxy-smart-gateway"));
    const QCommandLineOption gatewayRedirect(QStringLiteral("gateway-redirect-uri"),
                                             QStringLiteral("A redirect URI of the gateway client "
                                                            "when it is created (repeatable)."),
                                             QStringLiteral("URI"));
    const QCommandLineOption gatewaySecretFile(
        QStringLiteral("gateway-secret-file"),
        QStringLiteral("Write the gateway client's secret here (mode 0600) when it is created."),
        QStringLiteral("FILE"));
    const QCommandLineOption noCreateRealm(
        QStringLiteral("no-create-realm"),
        QStringLiteral("Fail instead of creating a missing realm."));
    context.parser().addOptions({gatewayClient, gatewayRedirect, gatewaySecretFile, noCreateRealm});
    const int parsed = context.parse(
        arguments,
        QStringLiteral("Prepare a Keycloak realm for SMART: the scope catalogue, the fhirUser "
                       "mapper and user attribute, and the gateway's client with the roles it "
                       "needs to read the client registry. Safe to run again: what exists is "
                       "left alone."),
        0, {});
    if (parsed >= 0)
        return parsed;

    SetupOptions options;
    options.gatewayClientId = context.parser().value(gatewayClient);
    options.gatewayRedirectUris = context.parser().values(gatewayRedirect);
    options.createRealm = !context.parser().isSet(noCreateRealm);
    auto job = context.admin().setupRealm(options);
    if (!context.run(*job))
        return ExitFailure;
    const SetupReport report = job->resultAs<SetupReport>();
    if (!report.gatewaySecret.isEmpty() && context.parser().isSet(gatewaySecretFile)) {
        if (const auto error = FileSecretStore::writeFile(context.parser().value(gatewaySecretFile),
                                                          report.gatewaySecret))
            return context.failure(QStringLiteral("the gateway client was created but its secret "
                                                  "could not be saved: %1")
                                       .arg(error->message));
    }
    if (context.json()) {
        QJsonArray created;
        QJsonArray present;
        for (const SetupReport::Item &item : report.items)
            (item.created ? created : present).append(item.what);
        QJsonObject json {{QStringLiteral("realm"), context.session().realm()},
                          {QStringLiteral("created"), created},
                          {QStringLiteral("present"), present}};
        if (!report.gatewaySecret.isEmpty() && context.parser().isSet(gatewaySecretFile))
            json.insert(u"gatewaySecretFile", context.parser().value(gatewaySecretFile));
        context.printJson(json);
        return ExitOk;
    }
    int present = 0;
    for (const SetupReport::Item &item : report.items) {
        if (item.created)
            io.out << "created  " << item.what << "\n";
        else
            ++present;
    }
    io.out << "realm " << context.session().realm()
           << " is ready for SMART: " << report.createdCount() << " created, " << present
           << " already present\n";
    if (!report.gatewaySecret.isEmpty()) {
        if (context.parser().isSet(gatewaySecretFile))
            io.out << "the gateway client's secret is in "
                   << context.parser().value(gatewaySecretFile) << "\n";
        else
            io.out << "the gateway client's secret was not saved: use `proxy-smartd apps "
                      "rotate-secret "
                   << options.gatewayClientId << " --secret-file FILE`\n";
    }
    io.out.flush();
    return ExitOk;
}

// --- apps ---------------------------------------------------------------------

struct AppOptions
{
    QCommandLineOption type {QStringLiteral("type"),
                             QStringLiteral("public, confidential, confidential-jwks or backend."),
                             QStringLiteral("TYPE")};
    QCommandLineOption clientId {QStringLiteral("client-id"),
                                 QStringLiteral("The app's client id."), QStringLiteral("ID")};
    QCommandLineOption name {QStringLiteral("name"), QStringLiteral("Display name."),
                             QStringLiteral("NAME")};
    QCommandLineOption description {QStringLiteral("description"), QStringLiteral("Description."),
                                    QStringLiteral("TEXT")};
    QCommandLineOption redirectUri {
        QStringLiteral("redirect-uri"),
        QStringLiteral("A redirect URI (repeatable; replaces the list)."), QStringLiteral("URI")};
    QCommandLineOption launchUrl {QStringLiteral("launch-url"),
                                  QStringLiteral("The app's launch URL."), QStringLiteral("URL")};
    QCommandLineOption logoUrl {QStringLiteral("logo-url"), QStringLiteral("The app's logo."),
                                QStringLiteral("URL")};
    QCommandLineOption jwksUrl {QStringLiteral("jwks-url"),
                                QStringLiteral("Where the app publishes its keys (JWKS types)."),
                                QStringLiteral("URL")};
    QCommandLineOption jwksFile {QStringLiteral("jwks-file"),
                                 QStringLiteral("A file with the app's JWKS (JWKS types)."),
                                 QStringLiteral("FILE")};
    QCommandLineOption signingAlg {QStringLiteral("signing-alg"),
                                   QStringLiteral("Client assertion algorithm (default RS384)."),
                                   QStringLiteral("ALG")};
    QCommandLineOption scope {
        QStringLiteral("scope"),
        QStringLiteral("An allowed SMART scope (repeatable; replaces the list)."),
        QStringLiteral("SCOPE")};
    QCommandLineOption addScope {QStringLiteral("add-scope"),
                                 QStringLiteral("Allow one more scope."), QStringLiteral("SCOPE")};
    QCommandLineOption removeScope {QStringLiteral("remove-scope"),
                                    QStringLiteral("Stop allowing a scope."),
                                    QStringLiteral("SCOPE")};
    QCommandLineOption enable {QStringLiteral("enable"), QStringLiteral("Enable the app.")};
    QCommandLineOption disable {QStringLiteral("disable"), QStringLiteral("Disable the app.")};
    QCommandLineOption secretFile {
        QStringLiteral("secret-file"),
        QStringLiteral("Write the new client secret here (mode 0600) instead of printing it."),
        QStringLiteral("FILE")};
};

void printApp(Io &io, const SmartApp &app)
{
    io.out << "client id:     " << app.clientId << "\n"
           << "type:          " << SmartApp::typeName(app.type) << "\n"
           << "name:          " << app.name << "\n"
           << "enabled:       " << (app.enabled ? "yes" : "no") << "\n"
           << "redirect URIs: " << app.redirectUris.join(QStringLiteral(" ")) << "\n"
           << "launch URL:    " << app.launchUrl << "\n";
    if (!app.logoUrl.isEmpty())
        io.out << "logo URL:      " << app.logoUrl << "\n";
    if (!app.jwksUrl.isEmpty())
        io.out << "JWKS URL:      " << app.jwksUrl << "\n";
    if (!app.jwks.isEmpty())
        io.out << "JWKS:          (registered key set)\n";
    io.out << "scopes:        " << app.scopes.join(QStringLiteral(" ")) << "\n";
    io.out.flush();
}

// Applies the options given to `app`; returns an error message if they are wrong.
QString applyAppOptions(const QCommandLineParser &parser, const AppOptions &options, SmartApp &app)
{
    if (parser.isSet(options.type)) {
        const auto type = SmartApp::typeFromName(parser.value(options.type));
        if (!type)
            return QStringLiteral(
                "--type must be public, confidential, confidential-jwks or backend");
        app.type = *type;
    }
    if (parser.isSet(options.name))
        app.name = parser.value(options.name);
    if (parser.isSet(options.description))
        app.description = parser.value(options.description);
    if (parser.isSet(options.redirectUri))
        app.redirectUris = parser.values(options.redirectUri);
    if (parser.isSet(options.launchUrl))
        app.launchUrl = parser.value(options.launchUrl);
    if (parser.isSet(options.logoUrl))
        app.logoUrl = parser.value(options.logoUrl);
    if (parser.isSet(options.jwksUrl) && parser.isSet(options.jwksFile))
        return QStringLiteral("give --jwks-url or --jwks-file, not both");
    if (parser.isSet(options.jwksUrl)) {
        app.jwksUrl = parser.value(options.jwksUrl);
        app.jwks.clear();
    }
    if (parser.isSet(options.jwksFile)) {
        QFile file(parser.value(options.jwksFile));
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString());
        app.jwks = QString::fromUtf8(file.read(256 * 1024));
        app.jwksUrl.clear();
    }
    if (parser.isSet(options.signingAlg))
        app.signingAlgorithm = parser.value(options.signingAlg);
    if (parser.isSet(options.scope))
        app.scopes = parser.values(options.scope);
    for (const QString &scope : parser.values(options.addScope)) {
        if (!app.scopes.contains(scope))
            app.scopes << scope;
    }
    for (const QString &scope : parser.values(options.removeScope))
        app.scopes.removeAll(scope);
    if (parser.isSet(options.enable) && parser.isSet(options.disable))
        return QStringLiteral("give --enable or --disable, not both");
    if (parser.isSet(options.enable))
        app.enabled = true;
    if (parser.isSet(options.disable))
        app.enabled = false;
    if (app.type != SmartApp::Type::ConfidentialJwks && app.type != SmartApp::Type::Backend) {
        app.jwks.clear();
        app.jwksUrl.clear();
        app.signingAlgorithm.clear();
    }
    return {};
}

// Writes or prints a new secret; returns an exit code.
int deliverSecret(Context &context, const AppOptions &options, SmartApp app)
{
    const bool toFile = context.parser().isSet(options.secretFile) && !app.secret.isEmpty();
    if (toFile) {
        if (const auto error =
                FileSecretStore::writeFile(context.parser().value(options.secretFile), app.secret))
            return context.failure(QStringLiteral("the secret could not be saved: %1 (rotate it "
                                                  "with `proxy-smartd apps rotate-secret`)")
                                       .arg(error->message));
        app.secret.clear();
    }
    if (context.json()) {
        QJsonObject json = app.toJson();
        if (toFile)
            json.insert(u"secretFile", context.parser().value(options.secretFile));
        context.printJson(json);
    } else {
        printApp(context.io(), app);
        if (!app.secret.isEmpty())
            context.io().out << "secret:        " << app.secret << "\n";
        else if (toFile)
            context.io().out << "secret file:   " << context.parser().value(options.secretFile)
                             << "\n";
    }
    context.io().out.flush();
    return ExitOk;
}

int appsCommandImpl(const QStringList &arguments, Io &io)
{
    const QStringList subcommands {QStringLiteral("list"),     QStringLiteral("show"),
                                   QStringLiteral("register"), QStringLiteral("update"),
                                   QStringLiteral("delete"),   QStringLiteral("rotate-secret")};
    if (const int picked = pickSubcommand(QStringLiteral("apps"), subcommands, arguments, io);
        picked >= 0)
        return picked;
    const QString sub = arguments.first();
    const QStringList rest = arguments.mid(1);
    Context context(QStringLiteral("apps ") + sub, io);
    AppOptions options;

    if (sub == u"list") {
        const int parsed =
            context.parse(rest, QStringLiteral("List the realm's SMART apps."), 0, {});
        if (parsed >= 0)
            return parsed;
        auto job = context.admin().listApps();
        if (!context.run(*job))
            return ExitFailure;
        const auto apps = job->resultAs<QList<SmartApp>>();
        if (context.json()) {
            QJsonArray array;
            for (const SmartApp &app : apps)
                array.append(app.toJson());
            context.printJson(array);
            return ExitOk;
        }
        for (const SmartApp &app : apps)
            io.out << qSetFieldWidth(32) << Qt::left << app.clientId << qSetFieldWidth(18)
                   << SmartApp::typeName(app.type) << qSetFieldWidth(0)
                   << (app.enabled ? "enabled  " : "disabled ") << app.name << "\n";
        io.out.flush();
        return ExitOk;
    }
    if (sub == u"show" || sub == u"delete") {
        const int parsed = context.parse(rest,
                                         sub == u"show" ? QStringLiteral("Show a SMART app.")
                                                        : QStringLiteral("Delete a SMART app."),
                                         1, QStringLiteral("CLIENT_ID"));
        if (parsed >= 0)
            return parsed;
        const QString clientId = context.parser().positionalArguments().first();
        if (sub == u"delete") {
            auto job = context.admin().deleteApp(clientId);
            if (!context.run(*job))
                return ExitFailure;
            if (context.json())
                context.printJson(QJsonObject {{QStringLiteral("deleted"), clientId}});
            else
                io.out << "deleted " << clientId << Qt::endl;
            return ExitOk;
        }
        auto job = context.admin().app(clientId);
        if (!context.run(*job))
            return ExitFailure;
        const auto app = job->resultAs<SmartApp>();
        if (context.json())
            context.printJson(app.toJson());
        else
            printApp(io, app);
        return ExitOk;
    }
    if (sub == u"rotate-secret") {
        context.parser().addOption(options.secretFile);
        const int parsed =
            context.parse(rest, QStringLiteral("Give a confidential app a new secret."), 1,
                          QStringLiteral("CLIENT_ID"));
        if (parsed >= 0)
            return parsed;
        const QString clientId = context.parser().positionalArguments().first();
        auto job = context.admin().rotateSecret(clientId);
        if (!context.run(*job))
            return ExitFailure;
        auto read = context.admin().app(clientId);
        if (!context.run(*read))
            return ExitFailure;
        SmartApp app = read->resultAs<SmartApp>();
        app.secret = job->resultAs<QString>();
        return deliverSecret(context, options, app);
    }

    // register / update
    context.parser().addOptions({options.type, options.name, options.description,
                                 options.redirectUri, options.launchUrl, options.logoUrl,
                                 options.jwksUrl, options.jwksFile, options.signingAlg,
                                 options.scope, options.addScope, options.removeScope,
                                 options.enable, options.disable, options.secretFile});
    if (sub == u"register") {
        // The app's client id is positional: --client-id is how the command
        // signs in, the same in every Keycloak command.
        const int parsed = context.parse(
            rest,
            QStringLiteral("Register a SMART app. All or nothing: if a step fails, what was "
                           "created is removed."),
            1, QStringLiteral("CLIENT_ID"));
        if (parsed >= 0)
            return parsed;
        if (!context.parser().isSet(options.type))
            return context.usage(QStringLiteral("--type is required"));
        SmartApp app;
        app.clientId = context.parser().positionalArguments().first();
        app.name = app.clientId;
        if (const QString problem = applyAppOptions(context.parser(), options, app);
            !problem.isEmpty())
            return context.usage(problem);
        if (const auto invalid = app.validate())
            return context.usage(invalid->message);
        auto job = context.admin().registerApp(app);
        if (!context.run(*job))
            return ExitFailure;
        return deliverSecret(context, options, job->resultAs<SmartApp>());
    }
    const int parsed = context.parse(rest,
                                     QStringLiteral("Change a SMART app; options not given keep "
                                                    "their values."),
                                     1, QStringLiteral("CLIENT_ID"));
    if (parsed >= 0)
        return parsed;
    auto read = context.admin().app(context.parser().positionalArguments().first());
    if (!context.run(*read))
        return ExitFailure;
    SmartApp app = read->resultAs<SmartApp>();
    if (const QString problem = applyAppOptions(context.parser(), options, app); !problem.isEmpty())
        return context.usage(problem);
    if (const auto invalid = app.validate())
        return context.usage(invalid->message);
    auto job = context.admin().updateApp(app);
    if (!context.run(*job))
        return ExitFailure;
    return deliverSecret(context, options, job->resultAs<SmartApp>());
}

// --- users --------------------------------------------------------------------

void printUser(Io &io, const KeycloakUser &user)
{
    io.out << "username:         " << user.username << "\n"
           << "id:               " << user.id << "\n"
           << "name:             " << user.firstName << " " << user.lastName << "\n"
           << "email:            " << user.email << "\n"
           << "enabled:          " << (user.enabled ? "yes" : "no") << "\n"
           << "fhirUser:         " << user.fhirUser << "\n"
           << "required actions: " << user.requiredActions.join(QStringLiteral(" ")) << "\n";
    io.out.flush();
}

int usersCommandImpl(const QStringList &arguments, Io &io)
{
    const QStringList subcommands {QStringLiteral("list"), QStringLiteral("show"),
                                   QStringLiteral("link")};
    if (const int picked = pickSubcommand(QStringLiteral("users"), subcommands, arguments, io);
        picked >= 0)
        return picked;
    const QString sub = arguments.first();
    const QStringList rest = arguments.mid(1);
    Context context(QStringLiteral("users ") + sub, io);

    if (sub == u"list") {
        const QCommandLineOption search(
            QStringLiteral("search"),
            QStringLiteral("Only users whose name or email contains TEXT."),
            QStringLiteral("TEXT"));
        const QCommandLineOption max(QStringLiteral("max"),
                                     QStringLiteral("At most N users (default 100)."),
                                     QStringLiteral("N"), QStringLiteral("100"));
        context.parser().addOptions({search, max});
        const int parsed =
            context.parse(rest, QStringLiteral("List users with their fhirUser."), 0, {});
        if (parsed >= 0)
            return parsed;
        bool ok = false;
        const int limit = context.parser().value(max).toInt(&ok);
        if (!ok || limit < 1 || limit > 10000)
            return context.usage(QStringLiteral("--max must be 1 to 10000"));
        auto job = context.admin().searchUsers(context.parser().value(search), limit);
        if (!context.run(*job))
            return ExitFailure;
        const auto users = job->resultAs<QList<KeycloakUser>>();
        if (context.json()) {
            QJsonArray array;
            for (const KeycloakUser &user : users)
                array.append(user.toJson());
            context.printJson(array);
            return ExitOk;
        }
        for (const KeycloakUser &user : users)
            io.out << qSetFieldWidth(24) << Qt::left << user.username << qSetFieldWidth(32)
                   << (user.fhirUser.isEmpty() ? QStringLiteral("-") : user.fhirUser)
                   << qSetFieldWidth(0) << (user.enabled ? "enabled" : "disabled") << "\n";
        io.out.flush();
        return ExitOk;
    }
    if (sub == u"show") {
        const int parsed =
            context.parse(rest, QStringLiteral("Show a user."), 1, QStringLiteral("USERNAME"));
        if (parsed >= 0)
            return parsed;
        auto job = context.admin().user(context.parser().positionalArguments().first());
        if (!context.run(*job))
            return ExitFailure;
        const auto user = job->resultAs<KeycloakUser>();
        if (context.json())
            context.printJson(user.toJson());
        else
            printUser(io, user);
        return ExitOk;
    }
    const QCommandLineOption unlink(QStringLiteral("unlink"),
                                    QStringLiteral("Remove the user's fhirUser instead."));
    context.parser().addOption(unlink);
    const bool unlinking = rest.contains(QStringLiteral("--unlink"));
    const int parsed = context.parse(
        rest,
        QStringLiteral("Link a user to their FHIR resource (Patient/…, Practitioner/…, "
                       "RelatedPerson/…, Person/…), or --unlink them."),
        unlinking ? 1 : 2,
        unlinking ? QStringLiteral("USERNAME") : QStringLiteral("USERNAME FHIR_REFERENCE"));
    if (parsed >= 0)
        return parsed;
    const QStringList positional = context.parser().positionalArguments();
    const QString reference = unlinking ? QString() : positional.at(1);
    if (!unlinking && !KeycloakUser::isFhirUserReference(reference))
        return context.usage(
            QStringLiteral("\"%1\" is not a Patient, Practitioner, RelatedPerson or "
                           "Person reference such as Patient/123")
                .arg(reference));
    auto job = context.admin().linkFhirUser(positional.first(), reference);
    if (!context.run(*job))
        return ExitFailure;
    const auto user = job->resultAs<KeycloakUser>();
    if (context.json())
        context.printJson(user.toJson());
    else if (unlinking)
        io.out << user.username << " is no longer linked to a FHIR resource" << Qt::endl;
    else
        io.out << user.username << " is linked to " << user.fhirUser << Qt::endl;
    return ExitOk;
}

} // namespace

int keycloakCommand(const QStringList &arguments, Io &io)
{
    if (const int picked =
            pickSubcommand(QStringLiteral("keycloak"), {QStringLiteral("setup")}, arguments, io);
        picked >= 0)
        return picked;
    return keycloakSetup(arguments.mid(1), io);
}

int appsCommand(const QStringList &arguments, Io &io)
{
    return appsCommandImpl(arguments, io);
}

int usersCommand(const QStringList &arguments, Io &io)
{
    return usersCommandImpl(arguments, io);
}

} // namespace ProxySmart::Cli
