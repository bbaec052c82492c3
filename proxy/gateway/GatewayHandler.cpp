#include "gateway/GatewayHandler.h"

#include "authz/Engine.h"
#include "authz/RequestClassifier.h"
#include "core/Logging.h"
#include "core/Version.h"
#include "gateway/AssignmentCache.h"
#include "gateway/AuditLog.h"
#include "gateway/OperationOutcome.h"
#include "gateway/ResourceCheck.h"
#include "gateway/UrlRewriter.h"
#include "http/ServerExchange.h"
#include "jose/TokenVerifier.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace ProxySmart {

namespace {

constexpr qsizetype scopeCacheCapacity = 1024;
constexpr int maxAssignmentPages = 20;

Http::HttpHeaders jsonHeaders(QByteArrayView contentType = "application/json")
{
    Http::HttpHeaders headers;
    headers.add("Content-Type", contentType.toByteArray());
    headers.add("Cache-Control", "no-store");
    return headers;
}

void respondOutcome(Http::ServerExchange *exchange, int status, QStringView code,
                    const QString &diagnostics,
                    Http::HttpHeaders headers = jsonHeaders("application/fhir+json"))
{
    exchange->respond(status, headers, operationOutcome(u"error", code, diagnostics));
}

// A quoted-string for WWW-Authenticate: printable ASCII without '"' or '\'.
QByteArray quotedParameter(const QString &text)
{
    QByteArray out;
    for (QChar c : text) {
        const char16_t u = c.unicode();
        out += (u >= 0x20 && u < 0x7f && u != u'"' && u != u'\\') ? char(u) : '\'';
    }
    return out;
}

ForwardTarget targetFor(const FhirServerConfig &server, const QByteArray &gatewayBase,
                        const QByteArray &authValue)
{
    ForwardTarget target;
    target.endpoint.host = server.url.host();
    target.endpoint.tls = server.url.scheme() == u"https";
    target.endpoint.port = quint16(server.url.port(target.endpoint.tls ? 443 : 80));
    QByteArray path = server.url.path(QUrl::FullyEncoded).toUtf8();
    while (path.endsWith('/'))
        path.chop(1);
    target.upstreamPathPrefix = path;
    QByteArray base = server.url.toString(QUrl::FullyEncoded).toUtf8();
    while (base.endsWith('/'))
        base.chop(1);
    target.upstreamBaseUrl = base;
    target.gatewayBaseUrl = gatewayBase + "/fhir/" + server.id.toUtf8();
    if (server.auth == FhirServerConfig::UpstreamAuth::StaticHeader && !authValue.isEmpty())
        target.upstreamHeaders.add(server.authHeader, authValue);
    return target;
}

bool isCompartmentCode(Authz::Reason::Code code)
{
    using C = Authz::Reason::Code;
    return code == C::CompartmentOutside || code == C::CompartmentUnnarrowable
        || code == C::CompartmentChainEscape || code == C::PatchUnverifiable
        || code == C::CreatePatient;
}

// The refusing reason of a decision, looking into bundle entries.
const Authz::Reason *refusalOf(const Authz::Decision &decision)
{
    const Authz::Reason *reason = decision.refusal();
    if (reason && reason->code == Authz::Reason::Code::BundleEntryDenied) {
        for (const Authz::Decision &entry : decision.entries) {
            if (const Authz::Reason *inner = entry.refusal())
                return inner;
        }
    }
    return reason;
}

QString stageOf(const Authz::Reason *reason)
{
    return reason && isCompartmentCode(reason->code) ? QStringLiteral("roleFiltering")
                                                     : QStringLiteral("scopes");
}

QString refTypeOf(const QString &reference)
{
    const QList<QStringView> parts = QStringView(reference).split(u'/');
    return parts.size() >= 2 ? parts.at(parts.size() - 2).toString() : QString();
}

QString refIdOf(const QString &reference)
{
    const qsizetype slash = reference.lastIndexOf(u'/');
    return slash < 0 ? reference : reference.sliced(slash + 1);
}

// Scopes with every patient/ and user/ context made system/: the same
// permissions and granular filters, without binding to patients.
QString withoutPatientBinding(const QString &scopes)
{
    QStringList out;
    for (QStringView scope : QStringView(scopes).tokenize(u' ', Qt::SkipEmptyParts)) {
        if (scope.startsWith(u"patient/"))
            out.append(QStringLiteral("system/") + scope.sliced(8).toString());
        else if (scope.startsWith(u"user/"))
            out.append(QStringLiteral("system/") + scope.sliced(5).toString());
        else
            out.append(scope.toString());
    }
    return out.join(u' ');
}

} // namespace

struct GatewayHandler::Flow
{
    QPointer<Http::ServerExchange> exchange;
    const FhirServerConfig *server = nullptr;
    ForwardTarget target;
    QByteArray path; // under the server's base: "/Patient/1" or ""
    QByteArray query;
    QElapsedTimer timer;
    QByteArray body;

    Jose::VerifiedToken token;
    bool authenticated = false;
    QString scopeString;
    Authz::ScopeSet scopes;
    Authz::AuthzContext context;
    Authz::FhirRequest request;
    Authz::Decision decision;
    QSet<QString> rolePatients; // what role filtering admits, when known
    bool rolePatientsKnown = false;
    QList<Authz::Constraint> checkResponse;
    QList<Authz::Constraint> checkExisting;
    QByteArray extraQuery;

    QString decisionName = QStringLiteral("allow");
    QString stage;
    QString reason;
    QJsonArray auditOnly;
    int upstreamStatus = 0;
    bool audited = false;

    QByteArray pathAndQuery() const
    {
        QByteArray q = query;
        if (!extraQuery.isEmpty())
            q += q.isEmpty() ? extraQuery.sliced(1) : extraQuery;
        return q.isEmpty() ? path : path + '?' + q;
    }
};

GatewayHandler::GatewayHandler(GatewayConfig config,
                               std::shared_ptr<const GatewayServices> services)
    : m_config(std::move(config))
    , m_services(services ? std::move(services) : std::make_shared<GatewayServices>())
    , m_baseUrl(m_config.effectiveBaseUrl().toString().toUtf8())
{
    while (m_baseUrl.endsWith('/'))
        m_baseUrl.chop(1);
    Http::UpstreamOptions options;
    options.connectTimeoutMs = m_config.upstreamTimeouts.connectMs;
    options.responseTimeoutMs = m_config.upstreamTimeouts.responseMs;
    options.idleTimeoutMs = m_config.upstreamTimeouts.idleMs;
    m_forwarder = std::make_unique<Forwarder>(options);
    for (const FhirServerConfig &server : m_config.fhirServers) {
        m_targets.insert(
            server.id,
            targetFor(server, m_baseUrl, m_services->upstreamAuthValues.value(server.id)));
    }
}

GatewayHandler::~GatewayHandler() = default;

void GatewayHandler::handle(Http::ServerExchange *exchange)
{
    const QByteArray &path = exchange->request().path;
    if (path.startsWith("/fhir/")) {
        serveFhir(exchange, QByteArrayView(path).sliced(6));
        return;
    }
    const QByteArray &method = exchange->request().method;
    if (method != "GET" && method != "HEAD") {
        Http::HttpHeaders headers = jsonHeaders("application/fhir+json");
        headers.add("Allow", "GET, HEAD");
        respondOutcome(exchange, 405, u"not-supported",
                       QStringLiteral("Only GET and HEAD are served at this path."), headers);
        return;
    }
    if (path == "/health") {
        serveHealth(exchange);
        return;
    }
    if (path == "/") {
        serveIndex(exchange);
        return;
    }
    respondOutcome(exchange, 404, u"not-found", QStringLiteral("Nothing is served at this path."));
}

void GatewayHandler::serveHealth(Http::ServerExchange *exchange)
{
    const QJsonObject health {{QStringLiteral("status"), QStringLiteral("ok")},
                              {QStringLiteral("version"), versionString()},
                              {QStringLiteral("instance"), m_config.instanceId}};
    exchange->respond(200, jsonHeaders(), QJsonDocument(health).toJson(QJsonDocument::Compact));
}

void GatewayHandler::serveIndex(Http::ServerExchange *exchange)
{
    QJsonArray servers;
    for (const FhirServerConfig &server : m_config.fhirServers) {
        servers.append(QJsonObject {
            {QStringLiteral("id"), server.id},
            {QStringLiteral("name"), server.name},
            {QStringLiteral("fhirBase"), QString::fromUtf8(m_baseUrl + "/fhir/") + server.id}});
    }
    const QJsonObject index {{QStringLiteral("product"), QStringLiteral("Proxy Smart")},
                             {QStringLiteral("version"), versionString()},
                             {QStringLiteral("fhirServers"), servers}};
    exchange->respond(200, jsonHeaders(), QJsonDocument(index).toJson(QJsonDocument::Compact));
}

void GatewayHandler::serveFhir(Http::ServerExchange *exchange, QByteArrayView pathUnderFhir)
{
    const qsizetype slash = pathUnderFhir.indexOf('/');
    const QString serverId =
        QString::fromUtf8(slash < 0 ? pathUnderFhir : pathUnderFhir.first(slash));
    const FhirServerConfig *server = m_config.fhirServer(serverId);
    if (!server) {
        respondOutcome(
            exchange, 404, u"not-found",
            QStringLiteral("No FHIR server \"%1\" is configured on this gateway.").arg(serverId));
        return;
    }
    auto flow = std::make_shared<Flow>();
    flow->timer.start();
    flow->exchange = exchange;
    flow->server = server;
    flow->target = m_targets.value(server->id);
    flow->path = slash < 0 ? QByteArray() : pathUnderFhir.sliced(slash).toByteArray();
    flow->query = exchange->request().query;
    QObject::connect(exchange, &Http::ServerExchange::clientGone, exchange, [this, flow] {
        if (!flow->audited) {
            flow->decisionName = QStringLiteral("abandoned");
            audit(flow, 0);
        }
    });
    authenticate(flow);
}

const Authz::ScopeSet &GatewayHandler::scopesFor(const QString &scopeString)
{
    auto it = m_scopeCache.find(scopeString);
    if (it == m_scopeCache.end()) {
        if (m_scopeCache.size() >= scopeCacheCapacity) {
            auto oldest = m_scopeCache.begin();
            for (auto candidate = m_scopeCache.begin(); candidate != m_scopeCache.end();
                 ++candidate) {
                if (candidate->lastUsed < oldest->lastUsed)
                    oldest = candidate;
            }
            m_scopeCache.erase(oldest);
        }
        it =
            m_scopeCache.insert(scopeString, CachedScopes {Authz::ScopeSet::parse(scopeString), 0});
    }
    it->lastUsed = ++m_scopeTick;
    return it->scopes;
}

void GatewayHandler::authenticate(const std::shared_ptr<Flow> &flow)
{
    Http::ServerExchange *exchange = flow->exchange;
    const QByteArray authorization = exchange->request().headers.value("authorization");
    Http::HttpHeaders headers = jsonHeaders("application/fhir+json");
    if (!m_services->verifier) {
        headers.add("WWW-Authenticate", "Bearer realm=\"proxy-smart\"");
        flow->decisionName = QStringLiteral("deny");
        flow->stage = QStringLiteral("jwt");
        flow->reason = QStringLiteral("jwt.no_issuer");
        respondOutcome(exchange, 401, u"login",
                       QStringLiteral("A valid bearer token is required, and no token issuer is "
                                      "configured on this gateway."),
                       headers);
        audit(flow, 401);
        return;
    }
    const bool bearer = authorization.size() > 7
        && authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0;
    if (!bearer) {
        headers.add("WWW-Authenticate", "Bearer realm=\"proxy-smart\"");
        flow->decisionName = QStringLiteral("deny");
        flow->stage = QStringLiteral("jwt");
        flow->reason = QStringLiteral("jwt.missing");
        respondOutcome(exchange, 401, u"login", QStringLiteral("A bearer token is required."),
                       headers);
        audit(flow, 401);
        return;
    }
    const QByteArray token = authorization.sliced(7).trimmed();
    const auto verified = m_services->verifier->verify(token);
    if (!verified) {
        headers.add("WWW-Authenticate",
                    "Bearer realm=\"proxy-smart\", error=\"invalid_token\", error_description=\""
                        + quotedParameter(verified.error().message) + '"');
        flow->decisionName = QStringLiteral("deny");
        flow->stage = QStringLiteral("jwt");
        flow->reason = verified.error().code;
        respondOutcome(
            exchange, 401, u"login",
            QStringLiteral("The bearer token was refused: %1").arg(verified.error().message),
            headers);
        audit(flow, 401);
        return;
    }
    flow->token = verified.value();
    flow->authenticated = true;
    const QJsonObject &claims = flow->token.claims();
    flow->scopeString = claims.value(u"scope").toString();
    flow->scopes = scopesFor(flow->scopeString);
    flow->context.fhirUser = claims.value(u"fhirUser").toString();
    flow->context.patientId = claims.value(u"patient").toString();
    if (flow->context.patientId.isEmpty() && refTypeOf(flow->context.fhirUser) == u"Patient")
        flow->context.patientId = refIdOf(flow->context.fhirUser);

    if (!exchange->request().hasBody()) {
        classify(flow);
        return;
    }
    exchange->readBody([this, flow](const QByteArray &body) {
        if (!flow->exchange)
            return;
        flow->body = body;
        classify(flow);
    });
}

void GatewayHandler::classify(const std::shared_ptr<Flow> &flow)
{
    const Http::HttpRequest &http = flow->exchange->request();
    const PipelineModes &modes = m_config.modes;
    if (modes.scopes == EnforcementMode::Disabled
        && modes.roleFiltering == EnforcementMode::Disabled) {
        sendUpstream(flow);
        return;
    }
    auto classified = Authz::RequestClassifier::classify(
        QString::fromUtf8(http.method), QString::fromUtf8(flow->path),
        QString::fromUtf8(flow->query), QString::fromUtf8(http.headers.value("content-type")),
        flow->body, QString::fromUtf8(http.headers.value("if-none-exist")));
    if (!classified) {
        const bool enforced = modes.scopes == EnforcementMode::Enforce
            || modes.roleFiltering == EnforcementMode::Enforce;
        if (enforced) {
            refuse(flow, 403, u"scopes", classified.error().code, classified.error().message);
            return;
        }
        // Neither stage enforces: what cannot be understood is logged and let through.
        flow->auditOnly.append(QJsonObject {{QStringLiteral("stage"), QStringLiteral("scopes")},
                                            {QStringLiteral("reason"), classified.error().code}});
        sendUpstream(flow);
        return;
    }
    flow->request = std::move(classified).value();
    lookUpAssignments(flow);
}

void GatewayHandler::lookUpAssignments(const std::shared_ptr<Flow> &flow)
{
    const QString &fhirUser = flow->context.fhirUser;
    if (fhirUser.isEmpty() || refTypeOf(fhirUser) != u"Practitioner"
        || m_config.modes.roleFiltering == EnforcementMode::Disabled || !m_services->assignments) {
        decide(flow);
        return;
    }
    const QString practitioner = QStringLiteral("Practitioner/") + refIdOf(fhirUser);
    const QString key = flow->server->id + u'|' + practitioner;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (auto cached = m_services->assignments->find(key, now)) {
        flow->context.assignedPatients = *cached;
        flow->context.assignedPatientsKnown = true;
        decide(flow);
        return;
    }

    // The searches of the configured rules, one after the other, each paged.
    QStringList searches;
    const QByteArray encoded = QUrl::toPercentEncoding(practitioner, "/");
    for (const QString &rule : m_config.roleFiltering.practitionerAssignment) {
        if (rule == u"generalPractitioner")
            searches.append(
                QStringLiteral("/Patient?general-practitioner=%1&_elements=id&_count=200")
                    .arg(QString::fromLatin1(encoded)));
        else if (rule == u"careTeam")
            searches.append(QStringLiteral("/CareTeam?participant=%1&_elements=subject&_count=200")
                                .arg(QString::fromLatin1(encoded)));
        else if (rule == u"encounter")
            searches.append(QStringLiteral("/Encounter?participant=%1&_elements=subject&_count=200")
                                .arg(QString::fromLatin1(encoded)));
    }
    struct Lookup
    {
        QStringList searches;
        int next = 0;
        int pages = 0;
        QSet<QString> patients;
    };
    auto lookup = std::make_shared<Lookup>();
    lookup->searches = searches;
    Http::HttpHeaders headers = flow->target.upstreamHeaders;
    headers.set("Accept", "application/fhir+json");

    // Each look-up's answer holds the step function; the function itself
    // only holds a weak reference, so nothing keeps itself alive.
    using Step = std::function<void(const QByteArray &)>;
    auto step = std::make_shared<Step>();
    std::weak_ptr<Step> weakStep = step;
    *step = [this, flow, lookup, headers, key, weakStep](const QByteArray &pathAndQuery) {
        const std::shared_ptr<Step> self = weakStep.lock();
        if (!self || !flow->exchange)
            return;
        if (pathAndQuery.isEmpty()) {
            if (lookup->next >= lookup->searches.size()) {
                QStringList patients(lookup->patients.cbegin(), lookup->patients.cend());
                patients.sort();
                m_services->assignments->insert(key, patients, QDateTime::currentMSecsSinceEpoch());
                flow->context.assignedPatients = patients;
                flow->context.assignedPatientsKnown = true;
                decide(flow);
                return;
            }
            (*self)(lookup->searches.at(lookup->next++).toUtf8());
            return;
        }
        fetch(flow->target, "GET", pathAndQuery, headers, {}, flow->exchange,
              [this, flow, lookup, self](int status, const Http::HttpHeaders &,
                                         const QByteArray &body, const QString &error) {
                  if (!flow->exchange)
                      return;
                  if (status != 200) {
                      qCWarning(lcGateway).noquote()
                          << "practitioner assignment look-up failed:" << status << error;
                      refuse(flow, 502, u"roleFiltering", QStringLiteral("role.lookup_failed"),
                             QStringLiteral("The patients assigned to the practitioner could "
                                            "not be looked up on the FHIR server."));
                      return;
                  }
                  const QJsonObject bundle = QJsonDocument::fromJson(body).object();
                  for (const QJsonValue &entry : bundle.value(u"entry").toArray()) {
                      const QJsonObject resource = entry.toObject().value(u"resource").toObject();
                      const QString type = resource.value(u"resourceType").toString();
                      if (type == u"Patient") {
                          lookup->patients.insert(resource.value(u"id").toString());
                      } else {
                          const QString ref =
                              resource.value(u"subject").toObject().value(u"reference").toString();
                          if (refTypeOf(ref) == u"Patient")
                              lookup->patients.insert(refIdOf(ref));
                      }
                  }
                  lookup->patients.remove(QString());
                  QByteArray nextPage;
                  for (const QJsonValue &link : bundle.value(u"link").toArray()) {
                      if (link.toObject().value(u"relation").toString() != u"next")
                          continue;
                      const QByteArray url = link.toObject().value(u"url").toString().toUtf8();
                      if (url.startsWith(flow->target.upstreamBaseUrl + '/')
                          || url.startsWith(flow->target.upstreamBaseUrl + '?'))
                          nextPage = url.sliced(flow->target.upstreamBaseUrl.size());
                  }
                  if (!nextPage.isEmpty() && ++lookup->pages < maxAssignmentPages) {
                      if (nextPage.startsWith('?'))
                          nextPage.prepend('/');
                      (*self)(nextPage);
                  } else {
                      (*self)({});
                  }
              });
    };
    (*step)({});
}

void GatewayHandler::decide(const std::shared_ptr<Flow> &flow)
{
    const PipelineModes &modes = m_config.modes;
    const bool scopesOn = modes.scopes != EnforcementMode::Disabled;
    const bool roleOn = modes.roleFiltering != EnforcementMode::Disabled;
    const bool scopesEnforced = modes.scopes == EnforcementMode::Enforce;
    const bool roleEnforced = modes.roleFiltering == EnforcementMode::Enforce;

    // What role filtering admits, for constraints that name a role filter.
    const QString userType = refTypeOf(flow->context.fhirUser);
    if (userType == u"Patient") {
        flow->rolePatients = {refIdOf(flow->context.fhirUser)};
        flow->rolePatientsKnown = true;
    } else if (userType == u"Practitioner" && flow->context.assignedPatientsKnown) {
        flow->rolePatients = QSet<QString>(flow->context.assignedPatients.cbegin(),
                                           flow->context.assignedPatients.cend());
        flow->rolePatientsKnown = true;
    }

    // The decision with the stages that are on as if they enforced: what
    // enforcement would do, for the audit-only record.
    auto decideWith = [&](bool scopesStage, bool roleStage) {
        if (scopesStage && roleStage)
            return Authz::Engine::decide(flow->scopes, flow->request, flow->context);
        if (scopesStage) {
            return Authz::Engine::decide(
                Authz::ScopeSet::parse(withoutPatientBinding(flow->scopeString)), flow->request,
                flow->context);
        }
        // Role filtering alone: everything, bound to who the user is.
        QString identity = QStringLiteral("system/*.cruds");
        if (userType == u"Patient" || userType == u"Practitioner" || userType == u"RelatedPerson"
            || userType == u"Person")
            identity = QStringLiteral("user/*.cruds");
        else if (!flow->context.patientId.isEmpty())
            identity = QStringLiteral("patient/*.cruds");
        return Authz::Engine::decide(Authz::ScopeSet::parse(identity), flow->request,
                                     flow->context);
    };

    if (!scopesOn && !roleOn) {
        sendUpstream(flow);
        return;
    }
    const Authz::Decision full = decideWith(scopesOn, roleOn);
    Authz::Decision effective;
    if (scopesEnforced == scopesOn && roleEnforced == roleOn) {
        effective = full;
    } else {
        if (!full.allowed) {
            const Authz::Reason *reason = refusalOf(full);
            flow->auditOnly.append(
                QJsonObject {{QStringLiteral("stage"), stageOf(reason)},
                             {QStringLiteral("reason"), reason ? reason->codeName() : QString()},
                             {QStringLiteral("message"), reason ? reason->message() : QString()}});
        }
        if (scopesEnforced || roleEnforced)
            effective = decideWith(scopesEnforced, roleEnforced);
        if (full.allowed && full.constraints != effective.constraints) {
            // The audit-only stage would have narrowed or checked the data.
            QJsonArray skipped;
            for (const Authz::Constraint &constraint : full.constraints) {
                if (!effective.constraints.contains(constraint)) {
                    skipped.append(
                        constraint.kindName() + u' '
                        + Authz::ResourceTypes::name(constraint.resourceType).toString());
                }
            }
            flow->auditOnly.append(
                QJsonObject {{QStringLiteral("stage"),
                              scopesOn && !scopesEnforced ? QStringLiteral("scopes")
                                                          : QStringLiteral("roleFiltering")},
                             {QStringLiteral("reason"), QStringLiteral("constraints.not_applied")},
                             {QStringLiteral("constraints"), skipped}});
        }
        if (!scopesEnforced && !roleEnforced) {
            sendUpstream(flow);
            return;
        }
    }
    flow->decision = effective;

    if (!effective.allowed) {
        const Authz::Reason *reason = refusalOf(effective);
        refuse(flow, 403, stageOf(reason),
               reason ? reason->codeName() : QStringLiteral("scope.missing"),
               reason ? reason->message() : QStringLiteral("The request is not allowed."));
        return;
    }

    // Apply the constraints; anything that cannot be applied refuses.
    for (const Authz::Decision &entry : effective.entries) {
        if (!entry.constraints.isEmpty()) {
            // Limitation: constraints on batch/transaction entries (narrowing, checks) are not
            // applied yet; such bundles are refused.
            const Authz::Constraint &first = entry.constraints.first();
            const bool role = !first.patients.isEmpty() || !first.roleFilter.isEmpty();
            refuse(flow, 403, role ? u"roleFiltering" : u"scopes",
                   QStringLiteral("gateway.bundle_constraints_unsupported"),
                   QStringLiteral("A batch or transaction entry needs checks that the gateway "
                                  "cannot apply inside a bundle yet; send it on its own."));
            return;
        }
    }
    for (const Authz::Constraint &constraint : std::as_const(effective.constraints)) {
        const bool role = !constraint.patients.isEmpty() || !constraint.roleFilter.isEmpty();
        const QStringView stage = role ? u"roleFiltering" : u"scopes";
        QSet<QString> patients(constraint.patients.cbegin(), constraint.patients.cend());
        if (!constraint.roleFilter.isEmpty()) {
            // Limitation: role filtering knows Patient and Practitioner users only; for a
            // RelatedPerson or Person user a role-filtered access is refused.
            if (!flow->rolePatientsKnown) {
                refuse(flow, 403, stage, QStringLiteral("role.unsupported_user"),
                       QStringLiteral("Role filtering for %1 users is not available; the "
                                      "request is refused.")
                           .arg(refTypeOf(constraint.roleFilter)));
                return;
            }
            patients = flow->rolePatients;
        }
        switch (constraint.kind) {
        case Authz::Constraint::Kind::NarrowSearch: {
            // Limitation: a system search (?_type=A,B) is not narrowed per type yet; when it
            // needs narrowing it is refused.
            if (flow->request.interaction == Authz::Interaction::SearchSystem
                || constraint.param.isEmpty()) {
                refuse(flow, 403, stage, QStringLiteral("compartment.unnarrowable"),
                       QStringLiteral("A search across several types cannot be narrowed to the "
                                      "patients this token may see; search one type."));
                return;
            }
            QString value = constraint.searchValue();
            if (value.isEmpty()) {
                QStringList ids(patients.cbegin(), patients.cend());
                ids.sort();
                if (ids.isEmpty()) {
                    refuse(flow, 403, stage, QStringLiteral("compartment.outside"),
                           QStringLiteral("There are no patients this token may see."));
                    return;
                }
                if (constraint.param != u"_id") {
                    for (QString &id : ids)
                        id.prepend(QStringLiteral("Patient/"));
                }
                value = ids.join(u',');
            }
            flow->extraQuery += '&' + ResourceCheck::queryParameter(constraint.param, value);
            break;
        }
        case Authz::Constraint::Kind::AddParameters:
            if (constraint.anyOf.size() != 1) {
                refuse(flow, 403, stage, QStringLiteral("scope.granular_unprovable"),
                       QStringLiteral("The granular scopes cannot be added to this search."));
                return;
            }
            for (const Authz::GranularParam &param : constraint.anyOf.first().params) {
                flow->extraQuery +=
                    '&' + ResourceCheck::queryParameter(param.name, param.values.join(u','));
            }
            break;
        case Authz::Constraint::Kind::CheckResponse:
            flow->checkResponse.append(constraint);
            break;
        case Authz::Constraint::Kind::CheckBody:
            if (flow->request.resource.isEmpty()
                || !ResourceCheck::admits(constraint, flow->request.resource, patients)) {
                refuse(flow, 403, stage,
                       role ? QStringLiteral("compartment.outside")
                            : QStringLiteral("scope.granular_mismatch"),
                       QStringLiteral("The resource written is outside what this token may "
                                      "write."));
                return;
            }
            break;
        case Authz::Constraint::Kind::CheckExisting:
            flow->checkExisting.append(constraint);
            break;
        }
    }
    checkExisting(flow, 0);
}

void GatewayHandler::checkExisting(const std::shared_ptr<Flow> &flow, int index)
{
    if (index >= flow->checkExisting.size()) {
        sendUpstream(flow);
        return;
    }
    const Authz::Constraint constraint = flow->checkExisting.at(index);
    const QString type = constraint.resourceType == Authz::ResourceTypes::All
        ? Authz::ResourceTypes::name(flow->request.resourceType).toString()
        : Authz::ResourceTypes::name(constraint.resourceType).toString();
    const QString id = constraint.id.isEmpty() ? flow->request.id : constraint.id;
    const bool role = !constraint.patients.isEmpty() || !constraint.roleFilter.isEmpty();
    const QStringView stage = role ? u"roleFiltering" : u"scopes";
    if (type.isEmpty() || !Authz::RequestClassifier::isValidId(id)) {
        // Limitation: conditional updates and deletes address no single stored resource, so
        // the stored data cannot be checked; they are refused under a narrowed grant.
        refuse(flow, 403, stage, QStringLiteral("gateway.existing_uncheckable"),
               QStringLiteral("The stored resource this request changes cannot be checked."));
        return;
    }
    Http::HttpHeaders headers = flow->target.upstreamHeaders;
    headers.set("Accept", "application/fhir+json");
    fetch(flow->target, "GET", '/' + type.toUtf8() + '/' + id.toUtf8(), headers, {}, flow->exchange,
          [this, flow, index, constraint, stage = stage.toString()](
              int status, const Http::HttpHeaders &, const QByteArray &body, const QString &) {
              if (!flow->exchange)
                  return;
              if (status == 404 || status == 410) { // nothing stored: the body check decides
                  checkExisting(flow, index + 1);
                  return;
              }
              const QJsonObject stored = QJsonDocument::fromJson(body).object();
              QSet<QString> patients(constraint.patients.cbegin(), constraint.patients.cend());
              if (!constraint.roleFilter.isEmpty())
                  patients = flow->rolePatients;
              if (status != 200 || stored.isEmpty()) {
                  refuse(flow, 502, stage, QStringLiteral("gateway.existing_unavailable"),
                         QStringLiteral("The stored resource could not be read to check it."));
                  return;
              }
              if (!ResourceCheck::admits(constraint, stored, patients)) {
                  refuse(flow, 403, stage, QStringLiteral("compartment.outside"),
                         QStringLiteral("The stored resource is outside what this token may "
                                        "change."));
                  return;
              }
              checkExisting(flow, index + 1);
          });
}

void GatewayHandler::sendUpstream(const std::shared_ptr<Flow> &flow)
{
    Http::ServerExchange *exchange = flow->exchange;
    const Http::HttpRequest &http = exchange->request();
    if (flow->checkResponse.isEmpty() && !http.hasBody()) {
        m_forwarder->forward(exchange, flow->target, flow->pathAndQuery(),
                             [this, flow](const ForwardResult &result) {
                                 flow->upstreamStatus = result.upstreamStatus;
                                 if (result.upstreamStatus == 0 && result.status >= 500) {
                                     flow->decisionName = QStringLiteral("error");
                                     flow->stage = QStringLiteral("upstream");
                                     flow->reason = result.status == 504
                                         ? QStringLiteral("upstream.timeout")
                                         : QStringLiteral("upstream.unreachable");
                                 }
                                 audit(flow, result.status);
                             });
        return;
    }
    Http::HttpHeaders headers = Forwarder::upstreamRequestHeaders(
        http.headers, flow->target, http.peerAddress.toString().toUtf8());
    headers.remove("transfer-encoding");
    if (!flow->checkResponse.isEmpty())
        headers.set("Accept", "application/fhir+json");
    fetch(flow->target, http.method, flow->pathAndQuery(), headers, flow->body, exchange,
          [this, flow](int status, const Http::HttpHeaders &responseHeaders, const QByteArray &body,
                       const QString &error) {
              if (!flow->exchange)
                  return;
              flow->upstreamStatus = status;
              if (status == 0) {
                  const bool timeout = error.contains(u"timed out", Qt::CaseInsensitive)
                      || error.contains(u"timeout", Qt::CaseInsensitive);
                  flow->decisionName = QStringLiteral("error");
                  flow->stage = QStringLiteral("upstream");
                  flow->reason = timeout ? QStringLiteral("upstream.timeout")
                                         : QStringLiteral("upstream.unreachable");
                  respondOutcome(flow->exchange, timeout ? 504 : 502,
                                 timeout ? u"timeout" : u"transient",
                                 timeout ? QStringLiteral("The FHIR server did not answer in time.")
                                         : QStringLiteral("The FHIR server could not be reached "
                                                          "or its answer was refused."));
                  audit(flow, timeout ? 504 : 502);
                  return;
              }
              finishChecked(flow, status, responseHeaders, body);
          });
}

void GatewayHandler::finishChecked(const std::shared_ptr<Flow> &flow, int status,
                                   const Http::HttpHeaders &upstreamHeaders, QByteArray body)
{
    if (!flow->checkResponse.isEmpty() && status >= 200 && status < 300 && !body.isEmpty()) {
        QJsonParseError parseError;
        QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            refuse(flow, 502, u"response", QStringLiteral("response.unreadable"),
                   QStringLiteral("The FHIR server's answer is not JSON and cannot be checked."));
            return;
        }
        QJsonObject resource = document.object();
        auto admitted = [&](const QJsonObject &candidate, QString *stage) {
            for (const Authz::Constraint &constraint : std::as_const(flow->checkResponse)) {
                QSet<QString> patients(constraint.patients.cbegin(), constraint.patients.cend());
                if (!constraint.roleFilter.isEmpty())
                    patients = flow->rolePatients;
                if (!ResourceCheck::admits(constraint, candidate, patients)) {
                    const bool role =
                        !constraint.patients.isEmpty() || !constraint.roleFilter.isEmpty();
                    *stage = role ? QStringLiteral("roleFiltering") : QStringLiteral("scopes");
                    return false;
                }
            }
            return true;
        };
        QString stage;
        const QString type = resource.value(u"resourceType").toString();
        if (type == u"Bundle") {
            const QString bundleType = resource.value(u"type").toString();
            const bool search = bundleType == u"searchset" || bundleType == u"history";
            QJsonArray kept;
            int removed = 0;
            for (const QJsonValue &entry : resource.value(u"entry").toArray()) {
                const QJsonObject entryResource = entry.toObject().value(u"resource").toObject();
                if (entryResource.isEmpty()
                    || entryResource.value(u"resourceType").toString() == u"OperationOutcome"
                    || admitted(entryResource, &stage)) {
                    kept.append(entry);
                    continue;
                }
                if (!search) {
                    refuse(flow, 403, stage, QStringLiteral("compartment.outside"),
                           QStringLiteral("The answer holds a resource this token may not "
                                          "see."));
                    return;
                }
                ++removed;
            }
            // Limitation: removing entries leaves Bundle.total and the paging links as the
            // server gave them; the audit line counts what was removed.
            if (removed > 0) {
                resource.insert(QStringLiteral("entry"), kept);
                flow->auditOnly.append(
                    QJsonObject {{QStringLiteral("stage"), stage},
                                 {QStringLiteral("reason"), QStringLiteral("response.removed")},
                                 {QStringLiteral("count"), removed}});
                body = QJsonDocument(resource).toJson(QJsonDocument::Compact);
            }
        } else if (type != u"OperationOutcome" && !admitted(resource, &stage)) {
            refuse(flow, 403, stage,
                   stage == u"scopes" ? QStringLiteral("scope.granular_mismatch")
                                      : QStringLiteral("compartment.outside"),
                   QStringLiteral("%1 is outside what this token may see.")
                       .arg(type + u'/' + resource.value(u"id").toString()));
            return;
        }
    }
    const UrlRewriter rewriter(flow->target.upstreamBaseUrl, flow->target.gatewayBaseUrl);
    Http::HttpHeaders headers = upstreamHeaders;
    headers.removeHopByHop();
    for (QByteArrayView name : {QByteArrayView("content-length"), QByteArrayView("set-cookie"),
                                QByteArrayView("server"), QByteArrayView("transfer-encoding")})
        headers.remove(name);
    for (QByteArrayView name : {QByteArrayView("location"), QByteArrayView("content-location")}) {
        const QByteArray value = headers.value(name);
        if (!value.isEmpty())
            headers.set(name.toByteArray(), rewriter.rewrite(value));
    }
    flow->exchange->respond(status, headers, rewriter.rewrite(body));
    audit(flow, status);
}

void GatewayHandler::fetch(const ForwardTarget &target, const QByteArray &method,
                           const QByteArray &pathAndQuery, const Http::HttpHeaders &headers,
                           const QByteArray &body, QObject *context, FetchDone done)
{
    struct State
    {
        int status = 0;
        Http::HttpHeaders headers;
        QByteArray body;
        FetchDone done;
        bool finished = false;
        void finish(int s, const QString &error)
        {
            if (finished)
                return;
            finished = true;
            done(s, headers, body, error);
        }
    };
    auto state = std::make_shared<State>();
    state->done = std::move(done);
    Http::UpstreamExchange *upstream = m_forwarder->client().send(
        target.endpoint, method, target.upstreamPathPrefix + pathAndQuery, headers, body.size());
    QPointer<Http::UpstreamExchange> guard(upstream);
    if (!body.isEmpty())
        upstream->writeBody(body);
    QObject::connect(upstream, &Http::UpstreamExchange::responseHead, context,
                     [state](int status, const Http::HttpHeaders &responseHeaders) {
                         state->status = status;
                         state->headers = responseHeaders;
                     });
    QObject::connect(upstream, &Http::UpstreamExchange::responseData, context,
                     [state, guard](const QByteArray &data) {
                         if (state->finished)
                             return;
                         if (state->body.size() + data.size() > maxCheckedResponseBytes) {
                             if (guard)
                                 guard->abort();
                             state->body.clear();
                             state->finish(0, QStringLiteral("the answer is larger than 32 MiB"));
                             return;
                         }
                         state->body.append(data);
                     });
    QObject::connect(upstream, &Http::UpstreamExchange::responseEnd, context,
                     [state] { state->finish(state->status, {}); });
    QObject::connect(upstream, &Http::UpstreamExchange::failed, context,
                     [state](const Http::UpstreamError &error) {
                         state->finish(
                             0, error.isTimeout() ? QStringLiteral("timeout") : error.message);
                     });
    QObject::connect(context, &QObject::destroyed, upstream, [guard] {
        if (guard)
            guard->abort();
    });
}

void GatewayHandler::refuse(const std::shared_ptr<Flow> &flow, int status, QStringView stage,
                            const QString &reasonCode, const QString &message)
{
    flow->decisionName = QStringLiteral("deny");
    flow->stage = stage.toString();
    flow->reason = reasonCode;
    if (flow->exchange && !flow->exchange->isHeadSent()) {
        const QStringView code = status == 403 ? u"forbidden" : u"exception";
        respondOutcome(flow->exchange, status, code,
                       QStringLiteral("Refused by the %1 stage (%2): %3")
                           .arg(stage.toString(), reasonCode, message));
    }
    audit(flow, status);
}

void GatewayHandler::audit(const std::shared_ptr<Flow> &flow, int status)
{
    if (flow->audited)
        return;
    flow->audited = true;
    if (!m_services->audit)
        return;
    const QJsonObject &claims = flow->token.claims();
    QString client = claims.value(u"azp").toString();
    if (client.isEmpty())
        client = claims.value(u"client_id").toString();
    QJsonObject entry {
        {QStringLiteral("time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {QStringLiteral("instance"), m_config.instanceId},
        {QStringLiteral("server"), flow->server ? flow->server->id : QString()},
        {QStringLiteral("client"), client},
        {QStringLiteral("subject"), flow->token.subject()},
        {QStringLiteral("fhirUser"), flow->context.fhirUser},
        {QStringLiteral("patient"), flow->context.patientId},
        {QStringLiteral("method"),
         flow->exchange ? QString::fromUtf8(flow->exchange->request().method) : QString()},
        {QStringLiteral("path"),
         QString::fromUtf8(AuditLog::maskedTarget(
             "/fhir/" + (flow->server ? flow->server->id.toUtf8() : QByteArray()) + flow->path,
             flow->query))},
        {QStringLiteral("decision"), flow->decisionName},
        {QStringLiteral("stage"), flow->stage},
        {QStringLiteral("reason"), flow->reason},
        {QStringLiteral("status"), status},
        {QStringLiteral("upstreamStatus"), flow->upstreamStatus},
        {QStringLiteral("latencyMs"), flow->timer.elapsed()}};
    if (!flow->auditOnly.isEmpty())
        entry.insert(QStringLiteral("notes"), flow->auditOnly);
    m_services->audit->record(entry);
}

} // namespace ProxySmart
