#include "core/GatewayConfig.h"

#include "core/Logging.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace ProxySmart {

namespace {

Error configError(const QString &code, const QString &message)
{
    return Error {QStringLiteral("config.") + code, message};
}

std::optional<Error> refuseUnknownKeys(const QJsonObject &object, const QString &where,
                                       std::initializer_list<QStringView> known)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool found = false;
        for (QStringView key : known)
            found = found || key == it.key();
        if (!found) {
            return configError(QStringLiteral("unknown_key"),
                               QStringLiteral("Unknown key \"%1\" in %2.").arg(it.key(), where));
        }
    }
    return std::nullopt;
}

std::optional<Error> readMode(const QJsonObject &object, const QString &key, EnforcementMode *mode)
{
    if (!object.contains(key))
        return std::nullopt;
    const QJsonValue value = object.value(key);
    const auto parsed = value.isString() ? parseEnforcementMode(value.toString()) : std::nullopt;
    if (!parsed) {
        return configError(QStringLiteral("bad_mode"),
                           QStringLiteral("pipeline.%1 must be \"enforce\", \"audit-only\" or "
                                          "\"disabled\".")
                               .arg(key));
    }
    *mode = *parsed;
    return std::nullopt;
}

Result<FhirServerConfig> parseFhirServer(const QJsonValue &value, int index)
{
    const QString where = QStringLiteral("fhirServers[%1]").arg(index);
    if (!value.isObject())
        return configError(QStringLiteral("bad_type"),
                           where + QStringLiteral(" must be an object."));
    const QJsonObject object = value.toObject();
    if (auto error =
            refuseUnknownKeys(object, where, {u"id", u"name", u"url", u"fhirVersion", u"auth"}))
        return *error;

    FhirServerConfig server;
    server.id = object.value(u"id").toString();
    static const QRegularExpression idPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    if (!idPattern.match(server.id).hasMatch()) {
        return configError(QStringLiteral("bad_server_id"),
                           where
                               + QStringLiteral(".id must be 1-64 letters, digits, '.', '_' or "
                                                "'-', starting with a letter or digit."));
    }
    server.name = object.value(u"name").toString(server.id);
    server.url = QUrl(object.value(u"url").toString(), QUrl::StrictMode);
    if (!server.url.isValid() || server.url.host().isEmpty()
        || (server.url.scheme() != u"http" && server.url.scheme() != u"https")) {
        return configError(QStringLiteral("bad_server_url"),
                           where + QStringLiteral(".url must be an absolute http or https URL."));
    }
    if (object.contains(u"fhirVersion"))
        server.fhirVersion = object.value(u"fhirVersion").toString();
    if (server.fhirVersion.isEmpty() || !server.fhirVersion.startsWith(u"4.")) {
        return configError(QStringLiteral("bad_fhir_version"),
                           where + QStringLiteral(".fhirVersion must be a FHIR R4 version (4.x)."));
    }
    const QJsonObject authObject = object.value(u"auth").toObject();
    const QString auth = authObject.value(u"type").toString(QStringLiteral("none"));
    if (auth == u"static-header") {
        if (auto error = refuseUnknownKeys(authObject, where + QStringLiteral(".auth"),
                                           {u"type", u"header", u"valueFile", u"valueEnv"}))
            return *error;
        static const QRegularExpression token(QStringLiteral("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"));
        const QString header = authObject.value(u"header").toString();
        if (!token.match(header).hasMatch()) {
            return configError(QStringLiteral("bad_upstream_auth"),
                               where + QStringLiteral(".auth.header must be an HTTP field name."));
        }
        server.authHeader = header.toLatin1();
        server.authValueFile = authObject.value(u"valueFile").toString();
        server.authValueEnv = authObject.value(u"valueEnv").toString();
        if (server.authValueFile.isEmpty() == server.authValueEnv.isEmpty()) {
            return configError(QStringLiteral("bad_upstream_auth"),
                               where
                                   + QStringLiteral(".auth needs exactly one of valueFile or "
                                                    "valueEnv (the value itself is never "
                                                    "written in the config)."));
        }
    } else if (auto error =
                   refuseUnknownKeys(authObject, where + QStringLiteral(".auth"), {u"type"})) {
        return *error;
    }
    if (auth == u"none")
        server.auth = FhirServerConfig::UpstreamAuth::None;
    else if (auth == u"static-header")
        server.auth = FhirServerConfig::UpstreamAuth::StaticHeader;
    else if (auth == u"client-credentials")
        server.auth = FhirServerConfig::UpstreamAuth::ClientCredentials;
    else if (auth == u"mutual-tls")
        server.auth = FhirServerConfig::UpstreamAuth::MutualTls;
    else
        return configError(QStringLiteral("bad_upstream_auth"),
                           where + QStringLiteral(".auth.type \"%1\" is not known.").arg(auth));
    return server;
}

std::optional<Error> readInt(const QJsonObject &object, QStringView key, const QString &where,
                             qint64 min, qint64 max, qint64 *out)
{
    if (!object.contains(key))
        return std::nullopt;
    const QJsonValue value = object.value(key);
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number))
        || number < static_cast<double>(min) || number > static_cast<double>(max)) {
        return configError(QStringLiteral("bad_number"),
                           QStringLiteral("%1.%2 must be an integer from %3 to %4.")
                               .arg(where, key.toString())
                               .arg(min)
                               .arg(max));
    }
    *out = static_cast<qint64>(number);
    return std::nullopt;
}

Result<TokenIssuerConfig> parseTokenIssuer(const QJsonValue &value, int index)
{
    const QString where = QStringLiteral("tokenIssuers[%1]").arg(index);
    if (!value.isObject())
        return configError(QStringLiteral("bad_type"),
                           where + QStringLiteral(" must be an object."));
    const QJsonObject object = value.toObject();
    if (auto error = refuseUnknownKeys(
            object, where,
            {u"issuer", u"audience", u"jwksUri", u"jwks", u"leewaySeconds", u"algorithms"}))
        return *error;
    TokenIssuerConfig issuer;
    issuer.issuer = object.value(u"issuer").toString();
    issuer.audience = object.value(u"audience").toString();
    if (issuer.issuer.isEmpty() || issuer.audience.isEmpty()) {
        return configError(QStringLiteral("bad_issuer"),
                           where + QStringLiteral(" needs an issuer and an audience."));
    }
    if (object.contains(u"jwksUri")) {
        issuer.jwksUri = QUrl(object.value(u"jwksUri").toString(), QUrl::StrictMode);
        if (!issuer.jwksUri.isValid() || issuer.jwksUri.host().isEmpty()
            || (issuer.jwksUri.scheme() != u"http" && issuer.jwksUri.scheme() != u"https")) {
            return configError(QStringLiteral("bad_issuer"),
                               where
                                   + QStringLiteral(".jwksUri must be an absolute http or "
                                                    "https URL."));
        }
    }
    if (object.contains(u"jwks")) {
        if (!object.value(u"jwks").isObject())
            return configError(QStringLiteral("bad_issuer"),
                               where + QStringLiteral(".jwks must be a JWKS object."));
        issuer.jwks =
            QJsonDocument(object.value(u"jwks").toObject()).toJson(QJsonDocument::Compact);
    }
    if (issuer.jwksUri.isEmpty() && issuer.jwks.isEmpty()) {
        return configError(QStringLiteral("bad_issuer"),
                           where + QStringLiteral(" needs jwksUri or jwks."));
    }
    qint64 leeway = issuer.leewaySeconds;
    if (auto error = readInt(object, u"leewaySeconds", where, 0, 300, &leeway))
        return *error;
    issuer.leewaySeconds = static_cast<int>(leeway);
    if (object.contains(u"algorithms")) {
        if (!object.value(u"algorithms").isArray())
            return configError(QStringLiteral("bad_type"),
                               where + QStringLiteral(".algorithms must be an array of names."));
        for (const QJsonValue &name : object.value(u"algorithms").toArray()) {
            if (!name.isString() || name.toString().isEmpty())
                return configError(QStringLiteral("bad_type"),
                                   where
                                       + QStringLiteral(".algorithms must be an array of names."));
            issuer.algorithms.append(name.toString());
        }
    }
    return issuer;
}

} // namespace

Result<GatewayConfig> GatewayConfig::fromJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return configError(QStringLiteral("bad_json"),
                           QStringLiteral("Not valid JSON at offset %1: %2.")
                               .arg(parseError.offset)
                               .arg(parseError.errorString()));
    }
    if (!document.isObject())
        return configError(QStringLiteral("bad_type"),
                           QStringLiteral("The config must be a JSON object."));
    const QJsonObject root = document.object();
    if (auto error = refuseUnknownKeys(root, QStringLiteral("the config"),
                                       {u"listen", u"instanceId", u"publicBaseUrl", u"fhirServers",
                                        u"pipeline", u"tokenIssuers", u"roleFiltering", u"upstream",
                                        u"audit", u"$schema", u"comment"})) {
        return *error;
    }

    GatewayConfig config;
    if (root.contains(u"listen")) {
        const QJsonObject listen = root.value(u"listen").toObject();
        if (auto error = refuseUnknownKeys(listen, QStringLiteral("listen"),
                                           {u"address", u"port", u"allowNonLoopback"})) {
            return *error;
        }
        if (listen.contains(u"address")) {
            const QString address = listen.value(u"address").toString();
            if (address == u"localhost")
                config.listenAddress = QHostAddress(QHostAddress::LocalHost);
            else if (!config.listenAddress.setAddress(address))
                return configError(
                    QStringLiteral("bad_address"),
                    QStringLiteral("listen.address \"%1\" is not an IP address.").arg(address));
        }
        if (listen.contains(u"port")) {
            const QJsonValue port = listen.value(u"port");
            const double number = port.toDouble(-1);
            if (!port.isDouble() || number != static_cast<int>(number) || number < 0
                || number > 65535)
                return configError(
                    QStringLiteral("port_out_of_range"),
                    QStringLiteral("listen.port must be an integer from 0 to 65535."));
            config.listenPort = static_cast<quint16>(number);
        }
        config.allowNonLoopback = listen.value(u"allowNonLoopback").toBool(false);
    }
    config.instanceId = root.value(u"instanceId").toString();
    if (root.contains(u"publicBaseUrl")) {
        config.publicBaseUrl = QUrl(root.value(u"publicBaseUrl").toString(), QUrl::StrictMode);
        if (!config.publicBaseUrl.isValid() || config.publicBaseUrl.host().isEmpty()
            || (config.publicBaseUrl.scheme() != u"http"
                && config.publicBaseUrl.scheme() != u"https"))
            return configError(
                QStringLiteral("bad_public_url"),
                QStringLiteral("publicBaseUrl must be an absolute http or https URL."));
    }

    const QJsonValue servers = root.value(u"fhirServers");
    if (!servers.isUndefined() && !servers.isArray())
        return configError(QStringLiteral("bad_type"),
                           QStringLiteral("fhirServers must be an array."));
    QSet<QString> ids;
    const QJsonArray serverArray = servers.toArray();
    for (int i = 0; i < serverArray.size(); ++i) {
        auto server = parseFhirServer(serverArray.at(i), i);
        if (!server)
            return server.error();
        if (ids.contains(server->id))
            return configError(
                QStringLiteral("duplicate_server_id"),
                QStringLiteral("Two FHIR servers share the id \"%1\".").arg(server->id));
        ids.insert(server->id);
        config.fhirServers.append(server.value());
    }

    const QJsonValue issuers = root.value(u"tokenIssuers");
    if (!issuers.isUndefined() && !issuers.isArray())
        return configError(QStringLiteral("bad_type"),
                           QStringLiteral("tokenIssuers must be an array."));
    const QJsonArray issuerArray = issuers.toArray();
    for (int i = 0; i < issuerArray.size(); ++i) {
        auto issuer = parseTokenIssuer(issuerArray.at(i), i);
        if (!issuer)
            return issuer.error();
        config.tokenIssuers.append(issuer.value());
    }

    if (root.contains(u"roleFiltering")) {
        const QString where = QStringLiteral("roleFiltering");
        const QJsonObject object = root.value(u"roleFiltering").toObject();
        if (auto error =
                refuseUnknownKeys(object, where, {u"practitionerAssignment", u"cacheSeconds"}))
            return *error;
        if (object.contains(u"practitionerAssignment")) {
            if (!object.value(u"practitionerAssignment").isArray())
                return configError(QStringLiteral("bad_type"),
                                   QStringLiteral("roleFiltering.practitionerAssignment must be "
                                                  "an array."));
            config.roleFiltering.practitionerAssignment.clear();
            for (const QJsonValue &rule : object.value(u"practitionerAssignment").toArray()) {
                const QString name = rule.toString();
                if (name != u"generalPractitioner" && name != u"careTeam" && name != u"encounter")
                    return configError(
                        QStringLiteral("bad_assignment_rule"),
                        QStringLiteral("roleFiltering.practitionerAssignment entries must be "
                                       "\"generalPractitioner\", \"careTeam\" or "
                                       "\"encounter\"."));
                if (!config.roleFiltering.practitionerAssignment.contains(name))
                    config.roleFiltering.practitionerAssignment.append(name);
            }
        }
        qint64 seconds = config.roleFiltering.cacheSeconds;
        if (auto error = readInt(object, u"cacheSeconds", where, 0, 86400, &seconds))
            return *error;
        config.roleFiltering.cacheSeconds = static_cast<int>(seconds);
    }

    if (root.contains(u"upstream")) {
        const QString where = QStringLiteral("upstream");
        const QJsonObject object = root.value(u"upstream").toObject();
        if (auto error = refuseUnknownKeys(
                object, where, {u"connectTimeoutMs", u"responseTimeoutMs", u"idleTimeoutMs"}))
            return *error;
        for (auto [key, field] :
             {std::pair {QStringView(u"connectTimeoutMs"), &config.upstreamTimeouts.connectMs},
              std::pair {QStringView(u"responseTimeoutMs"), &config.upstreamTimeouts.responseMs},
              std::pair {QStringView(u"idleTimeoutMs"), &config.upstreamTimeouts.idleMs}}) {
            qint64 value = *field;
            if (auto error = readInt(object, key, where, 100, 600000, &value))
                return *error;
            *field = static_cast<int>(value);
        }
    }

    if (root.contains(u"audit")) {
        const QString where = QStringLiteral("audit");
        const QJsonObject object = root.value(u"audit").toObject();
        if (auto error = refuseUnknownKeys(object, where, {u"file", u"maxBytes", u"keepFiles"}))
            return *error;
        config.audit.file = object.value(u"file").toString();
        if (auto error =
                readInt(object, u"maxBytes", where, 4096, qint64(1) << 40, &config.audit.maxBytes))
            return *error;
        qint64 keep = config.audit.keepFiles;
        if (auto error = readInt(object, u"keepFiles", where, 0, 100, &keep))
            return *error;
        config.audit.keepFiles = static_cast<int>(keep);
    }

    if (root.contains(u"pipeline")) {
        const QJsonObject pipeline = root.value(u"pipeline").toObject();
        if (auto error = refuseUnknownKeys(pipeline, QStringLiteral("pipeline"),
                                           {u"consent", u"ial", u"scopes", u"roleFiltering"})) {
            return *error;
        }
        for (auto [key, mode] :
             {std::pair {QStringLiteral("consent"), &config.modes.consent},
              std::pair {QStringLiteral("ial"), &config.modes.ial},
              std::pair {QStringLiteral("scopes"), &config.modes.scopes},
              std::pair {QStringLiteral("roleFiltering"), &config.modes.roleFiltering}}) {
            if (auto error = readMode(pipeline, key, mode))
                return *error;
        }
    }
    return config;
}

Result<GatewayConfig> GatewayConfig::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return configError(QStringLiteral("unreadable"),
                           QStringLiteral("Cannot read %1: %2.").arg(path, file.errorString()));
    }
    constexpr qint64 maxConfigSize = 4 * 1024 * 1024;
    if (file.size() > maxConfigSize)
        return configError(QStringLiteral("too_large"),
                           QStringLiteral("%1 is larger than 4 MiB.").arg(path));
    auto result = fromJson(file.readAll());
    if (!result)
        return Error {result.error().code, path + QStringLiteral(": ") + result.error().message};
    return result;
}

Result<GatewayConfig> GatewayConfig::withEnvironment(const QProcessEnvironment &env) const
{
    GatewayConfig config = *this;
    for (auto [name, mode] :
         {std::pair {QStringLiteral("CONSENT_ENFORCEMENT_MODE"), &config.modes.consent},
          std::pair {QStringLiteral("IAL_ENFORCEMENT_MODE"), &config.modes.ial},
          std::pair {QStringLiteral("SCOPE_ENFORCEMENT_MODE"), &config.modes.scopes},
          std::pair {QStringLiteral("ROLE_BASED_FILTERING_MODE"), &config.modes.roleFiltering}}) {
        if (!env.contains(name))
            continue;
        const auto parsed = parseEnforcementMode(env.value(name));
        if (!parsed) {
            return configError(
                QStringLiteral("bad_mode"),
                QStringLiteral("%1 must be \"enforce\", \"audit-only\" or \"disabled\".")
                    .arg(name));
        }
        if (*parsed != *mode) {
            qCInfo(lcConfig) << name << "overrides the configured mode with"
                             << enforcementModeName(*parsed);
        }
        *mode = *parsed;
    }
    return config;
}

Result<bool> GatewayConfig::validateListen() const
{
    if (listenAddress.isLoopback() || allowNonLoopback)
        return true;
    return configError(
        QStringLiteral("non_loopback"),
        QStringLiteral("Refusing to listen on %1: only loopback addresses are allowed "
                       "unless listen.allowNonLoopback is true.")
            .arg(listenAddress.toString()));
}

Result<bool> GatewayConfig::validatePipeline() const
{
    for (auto [name, mode] : {std::pair {QStringLiteral("consent"), modes.consent},
                              std::pair {QStringLiteral("ial"), modes.ial}}) {
        if (mode != EnforcementMode::Disabled) {
            return configError(
                QStringLiteral("stage_unavailable"),
                QStringLiteral("pipeline.%1 is \"%2\", but the %1 stage is not available yet; "
                               "set it to \"disabled\" (the gateway refuses to start rather "
                               "than pretend to check it).")
                    .arg(name, enforcementModeName(mode)));
        }
    }
    return true;
}

QUrl GatewayConfig::effectiveBaseUrl() const
{
    if (!publicBaseUrl.isEmpty())
        return publicBaseUrl;
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(listenAddress.toString());
    url.setPort(listenPort);
    return url;
}

const FhirServerConfig *GatewayConfig::fhirServer(QStringView id) const
{
    for (const FhirServerConfig &server : fhirServers) {
        if (server.id == id)
            return &server;
    }
    return nullptr;
}

} // namespace ProxySmart
