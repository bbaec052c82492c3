#include "authz/Engine.h"

#include "authz/AuthzLogging.h"
#include "authz/RequestClassifier.h"

namespace ProxySmart::Authz {

namespace {

const int patientType = ResourceTypes::indexOf(u"Patient");

// Who an access is limited to, from the context of the granting scope.
struct Restriction
{
    enum class Kind : quint8 {
        None, // system/: not narrowed
        Patients, // these patients' compartments
        RoleFilter, // whatever the gateway's role filtering lets fhirUser see
    };
    Kind kind = Kind::None;
    QStringList patients;
    QString fhirUser;
};

// The facts of the context, computed once per decision.
class ContextFacts
{
public:
    explicit ContextFacts(const AuthzContext &context)
        : m_context(context)
    {
        m_patientValid = RequestClassifier::isValidId(context.patientId);
        parseFhirUser();
    }

    bool patientValid() const { return m_patientValid; }
    bool userValid() const { return m_userValid; }

    Restriction restrictionFor(Scope::Context scopeContext) const
    {
        Restriction restriction;
        switch (scopeContext) {
        case Scope::Context::System:
            break;
        case Scope::Context::Patient:
            restriction.kind = Restriction::Kind::Patients;
            restriction.patients = QStringList {m_context.patientId};
            break;
        case Scope::Context::User:
            if (m_userType == u"Patient") {
                restriction.kind = Restriction::Kind::Patients;
                restriction.patients = QStringList {m_userId.toString()};
            } else if (m_userType == u"Practitioner" && m_context.assignedPatientsKnown) {
                restriction.kind = Restriction::Kind::Patients;
                for (const QString &id : m_context.assignedPatients) {
                    // An invalid id never matches anything; leave it out.
                    if (RequestClassifier::isValidId(id))
                        restriction.patients.append(id);
                }
            } else {
                restriction.kind = Restriction::Kind::RoleFilter;
                restriction.fhirUser =
                    m_userType.toString() + QLatin1Char('/') + m_userId.toString();
            }
            break;
        }
        return restriction;
    }

private:
    void parseFhirUser()
    {
        QStringView user = m_context.fhirUser;
        if (user.isEmpty() || user.size() > 2048)
            return;
        const qsizetype slash = user.lastIndexOf(u'/');
        if (slash <= 0)
            return;
        const QStringView id = user.mid(slash + 1);
        QStringView rest = user.left(slash);
        const qsizetype typeSlash = rest.lastIndexOf(u'/');
        const QStringView type = typeSlash >= 0 ? rest.mid(typeSlash + 1) : rest;
        // A full URL must be http(s); a relative one is exactly Type/id.
        if (typeSlash >= 0 && !user.startsWith(u"https://") && !user.startsWith(u"http://"))
            return;
        if (type != u"Patient" && type != u"Practitioner" && type != u"RelatedPerson"
            && type != u"Person")
            return;
        if (!RequestClassifier::isValidId(id))
            return;
        m_userType = type;
        m_userId = id;
        m_userValid = true;
    }

    const AuthzContext &m_context;
    bool m_patientValid = false;
    bool m_userValid = false;
    QStringView m_userType;
    QStringView m_userId;
};

int contextRank(Scope::Context context)
{
    switch (context) {
    case Scope::Context::System:
        return 0;
    case Scope::Context::User:
        return 1;
    case Scope::Context::Patient:
        return 2;
    }
    return 2;
}

// ---------------------------------------------------------------------------
// Granular scopes

bool valueWithin(QStringView requested, QStringView allowed)
{
    if (requested == allowed)
        return true;
    const qsizetype allowedBar = allowed.indexOf(u'|');
    if (allowedBar < 0) {
        // A code without a system allows that code in any system.
        const qsizetype bar = requested.indexOf(u'|');
        return bar >= 0 && requested.mid(bar + 1) == allowed;
    }
    // "system|" allows every code of that system.
    if (allowedBar == allowed.size() - 1 && allowedBar > 0)
        return requested.startsWith(allowed) && requested.size() > allowed.size();
    return false;
}

// Whether the request's own parameters already keep a search inside the
// filter: every parameter of the filter appears, unmodified, with values that
// are all among the allowed ones.
bool searchWithinFilter(const FhirRequest &request, const GranularFilter &filter)
{
    for (const GranularParam &granular : filter.params) {
        bool pinned = false;
        for (const SearchParam &param : request.params) {
            if (param.name != granular.name || !param.modifier.isEmpty() || param.value.isEmpty())
                continue;
            bool all = true;
            for (QStringView value : QStringView(param.value).tokenize(u',')) {
                bool any = false;
                for (const QString &allowed : granular.values)
                    any = any || valueWithin(value, allowed);
                if (!any || value.isEmpty()) {
                    all = false;
                    break;
                }
            }
            if (all) {
                pinned = true;
                break;
            }
        }
        if (!pinned)
            return false;
    }
    return true;
}

bool searchesTarget(const FhirRequest &request, const Access &access, quint8 letter)
{
    if (access.reach != Reach::Target || letter != PermissionSearch)
        return false;
    return request.isSearch() || request.conditional || request.operation == u"$lastn";
}

// ---------------------------------------------------------------------------
// One permission letter of one access

struct LetterGrant
{
    bool granted = false;
    const Scope *scope = nullptr;
    Scope::Context context = Scope::Context::System;
    QList<GranularFilter> filters; // non-empty: granted only within these
    // Why candidates were passed over, for the reasons of a refusal.
    const Scope *skippedNoPatient = nullptr;
    const Scope *skippedNoUser = nullptr;
    const Scope *skippedNotSystem = nullptr;
    const Scope *skippedGranular = nullptr;
};

struct LetterRules
{
    bool systemOnly = false; // $export, $graphql
    bool allowGranular = true; // false where the type is only reached (chain, _has, _list)
};

LetterGrant grantLetter(const ScopeSet &grants, const FhirRequest &request, const Access &access,
                        quint8 letter, const ContextFacts &facts, const LetterRules &rules)
{
    LetterGrant result;
    const Scope *unfiltered[3] = {nullptr, nullptr, nullptr};
    const Scope *provable[3] = {nullptr, nullptr, nullptr};
    QList<const Scope *> filtered[3];
    const bool canProve = searchesTarget(request, access, letter);

    for (const Scope &scope : grants.scopes()) {
        if (scope.kind != Scope::Kind::Resource || !(scope.permissions & letter))
            continue;
        if (access.resourceType == ResourceTypes::All) {
            if (scope.resourceType != ResourceTypes::All)
                continue;
        } else if (scope.resourceType != ResourceTypes::All
                   && scope.resourceType != access.resourceType) {
            continue;
        }
        if (scope.context == Scope::Context::Patient && !facts.patientValid()) {
            if (!result.skippedNoPatient)
                result.skippedNoPatient = &scope;
            continue;
        }
        if (scope.context == Scope::Context::User && !facts.userValid()) {
            if (!result.skippedNoUser)
                result.skippedNoUser = &scope;
            continue;
        }
        if (rules.systemOnly && scope.context != Scope::Context::System) {
            if (!result.skippedNotSystem)
                result.skippedNotSystem = &scope;
            continue;
        }
        const int rank = contextRank(scope.context);
        if (scope.filter.isEmpty()) {
            if (!unfiltered[rank])
                unfiltered[rank] = &scope;
        } else if (!rules.allowGranular) {
            if (!result.skippedGranular)
                result.skippedGranular = &scope;
        } else if (canProve && searchWithinFilter(request, scope.filter)) {
            if (!provable[rank])
                provable[rank] = &scope;
        } else {
            filtered[rank].append(&scope);
        }
    }
    // The least restrictive context that grants wins; within it an
    // unrestricted grant beats one the request provably stays within, which
    // beats granular filters the gateway must apply.
    for (int rank = 0; rank < 3; ++rank) {
        const Scope *chosen = unfiltered[rank] ? unfiltered[rank] : provable[rank];
        if (chosen) {
            result.granted = true;
            result.scope = chosen;
            result.context = chosen->context;
            return result;
        }
        if (!filtered[rank].isEmpty()) {
            result.granted = true;
            result.scope = filtered[rank].first();
            result.context = result.scope->context;
            for (const Scope *scope : filtered[rank]) {
                if (!result.filters.contains(scope->filter))
                    result.filters.append(scope->filter);
            }
            return result;
        }
    }
    return result;
}

// ---------------------------------------------------------------------------
// Building the decision

class DecisionBuilder
{
public:
    DecisionBuilder(const FhirRequest &request, const ContextFacts &facts)
        : m_request(request)
        , m_facts(facts)
    {
        m_decision.allowed = true;
    }

    Decision take(const ScopeSet &grants)
    {
        if (!m_decision.allowed) {
            m_decision.constraints.clear();
            for (const Scope &scope : grants.scopes()) {
                if (scope.kind != Scope::Kind::Unknown)
                    continue;
                Reason reason;
                reason.code = Reason::Code::UnknownScope;
                reason.scope = scope.text;
                reason.detail = scope.invalidReason;
                m_decision.reasons.append(std::move(reason));
            }
        }
        return std::move(m_decision);
    }

    void refuse(Reason::Code code, const Access &access, quint8 letter, QString detail = {},
                QString scope = {})
    {
        m_decision.allowed = false;
        for (const Reason &existing : std::as_const(m_decision.reasons)) {
            if (existing.code == code && existing.resourceType == access.resourceType
                && existing.scope == scope && existing.reach == access.reach
                && existing.permissions == letter)
                return;
        }
        Reason reason;
        reason.code = code;
        reason.resourceType = access.resourceType;
        reason.permissions = letter;
        reason.reach = access.reach;
        reason.scope = std::move(scope);
        reason.detail = detail.isEmpty() ? access.via : std::move(detail);
        m_decision.reasons.append(std::move(reason));
    }

    void granted(const Access &access, quint8 letter, const Scope &scope)
    {
        if (!m_decision.reasons.isEmpty()) {
            Reason &last = m_decision.reasons.last();
            if (last.code == Reason::Code::ScopeGranted && last.resourceType == access.resourceType
                && last.reach == access.reach && last.scope == scope.text) {
                last.permissions |= letter;
                return;
            }
        }
        Reason reason;
        reason.code = Reason::Code::ScopeGranted;
        reason.scope = scope.text;
        reason.resourceType = access.resourceType;
        reason.permissions = letter;
        reason.reach = access.reach;
        reason.detail = access.via;
        m_decision.reasons.append(std::move(reason));
    }

    void constrain(Constraint constraint)
    {
        for (const Constraint &existing : std::as_const(m_decision.constraints)) {
            if (existing == constraint)
                return;
        }
        m_decision.constraints.append(std::move(constraint));
    }

    // Adds a constraint of `kind` limited by the restriction (patients or
    // role filter); refuses when the restriction admits no patient at all.
    bool restrict(Constraint::Kind kind, int type, const Restriction &restriction,
                  const Access &access, quint8 letter, QString id = {})
    {
        Constraint constraint;
        constraint.kind = kind;
        constraint.resourceType = type;
        constraint.id = std::move(id);
        if (restriction.kind == Restriction::Kind::Patients) {
            if (restriction.patients.isEmpty()) {
                refuse(Reason::Code::CompartmentOutside, access, letter,
                       QStringLiteral("no assigned patients"));
                return false;
            }
            constraint.patients = restriction.patients;
        } else {
            constraint.roleFilter = restriction.fhirUser;
        }
        if (kind == Constraint::Kind::NarrowSearch)
            constraint.param = ResourceTypes::narrowingParameter(type).toString();
        constrain(std::move(constraint));
        return true;
    }

    void filter(Constraint::Kind kind, int type, const QList<GranularFilter> &filters,
                QString id = {})
    {
        Constraint constraint;
        constraint.kind = kind;
        constraint.resourceType = type;
        constraint.id = std::move(id);
        constraint.anyOf = filters;
        constrain(std::move(constraint));
    }

    // Narrows a search (or the criteria of a conditional interaction).
    void narrowSearch(const Access &access, quint8 letter, const Restriction &restriction,
                      const QList<GranularFilter> &filters)
    {
        const int type = access.resourceType;
        if (restriction.kind != Restriction::Kind::None) {
            const bool patientCompartmentPath =
                m_request.interaction == Interaction::SearchCompartment
                && m_request.compartmentType == patientType;
            if (patientCompartmentPath && restriction.kind == Restriction::Kind::Patients) {
                // Patient/123/Observation: the path is the compartment.
                if (!restriction.patients.contains(m_request.id)) {
                    refuse(Reason::Code::CompartmentOutside, access, letter,
                           QStringLiteral("Patient/%1").arg(m_request.id));
                    return;
                }
            } else if (type == ResourceTypes::All) {
                refuse(Reason::Code::CompartmentUnnarrowable, access, letter,
                       QStringLiteral("a search across every type (give _type)"));
                return;
            } else if (patientCompartmentPath || ResourceTypes::inPatientCompartment(type)) {
                if (!restrict(Constraint::Kind::NarrowSearch, type, restriction, access, letter))
                    return;
            }
        }
        if (filters.isEmpty())
            return;
        if (type == ResourceTypes::All) {
            refuse(Reason::Code::GranularUnprovable, access, letter);
            return;
        }
        // One filter (all its parameters hold together), or several on the
        // same single parameter (alternatives merge into one parameter), can
        // be added to the search; otherwise the gateway checks the results.
        if (filters.size() == 1) {
            filter(Constraint::Kind::AddParameters, type, filters);
            return;
        }
        GranularFilter merged;
        bool mergeable = true;
        for (const GranularFilter &candidate : filters) {
            if (candidate.params.size() != 1
                || (!merged.params.isEmpty()
                    && merged.params.first().name != candidate.params.first().name)) {
                mergeable = false;
                break;
            }
            if (merged.params.isEmpty()) {
                merged = candidate;
                continue;
            }
            merged.text += QLatin1Char(',') + candidate.params.first().values.join(u',');
            for (const QString &value : candidate.params.first().values) {
                if (!merged.params.first().values.contains(value))
                    merged.params.first().values.append(value);
            }
        }
        if (mergeable)
            filter(Constraint::Kind::AddParameters, type, {merged});
        else
            filter(Constraint::Kind::CheckResponse, type, filters);
    }

    void apply(const Access &access, quint8 letter, const LetterGrant &grant)
    {
        const Restriction restriction = m_facts.restrictionFor(grant.context);
        const bool restricted = restriction.kind != Restriction::Kind::None;
        const int type = access.resourceType;
        const bool compartmentType =
            type == ResourceTypes::All || ResourceTypes::inPatientCompartment(type);
        const QList<GranularFilter> &filters = grant.filters;

        switch (access.reach) {
        case Reach::Chain:
        case Reach::Has:
        case Reach::List:
            // These only filter; the reached resources are not returned, so
            // no check on the response could catch an escape.
            if (restricted && compartmentType && !access.viaPatientLink)
                refuse(Reason::Code::CompartmentChainEscape, access, letter);
            return;
        case Reach::Contained:
            if (restricted)
                refuse(Reason::Code::CompartmentUnnarrowable, access, letter,
                       QStringLiteral("contained resources cannot be narrowed"));
            return;
        case Reach::Include:
        case Reach::RevInclude:
            if (restricted && compartmentType)
                restrict(Constraint::Kind::CheckResponse, type, restriction, access, letter);
            if (!filters.isEmpty())
                filter(Constraint::Kind::CheckResponse, type, filters);
            return;
        case Reach::Target:
            break;
        }

        if (searchesTarget(m_request, access, letter)) {
            narrowSearch(access, letter, restriction, filters);
            return;
        }

        const bool patientsKnown = restriction.kind == Restriction::Kind::Patients;
        const auto requireOwnPatient = [&]() {
            if (!restriction.patients.contains(m_request.id)) {
                refuse(Reason::Code::CompartmentOutside, access, letter,
                       QStringLiteral("Patient/%1").arg(m_request.id));
                return false;
            }
            return true;
        };

        switch (m_request.interaction) {
        case Interaction::Read:
        case Interaction::VRead:
        case Interaction::HistoryInstance:
            if (restricted && compartmentType) {
                if (type == patientType && patientsKnown)
                    requireOwnPatient();
                else
                    restrict(Constraint::Kind::CheckResponse, type, restriction, access, letter);
            }
            if (!filters.isEmpty())
                filter(Constraint::Kind::CheckResponse, type, filters);
            return;
        case Interaction::HistoryType:
        case Interaction::HistorySystem:
            if (restricted && compartmentType)
                refuse(Reason::Code::CompartmentUnnarrowable, access, letter,
                       QStringLiteral("history takes no search parameters"));
            else if (!filters.isEmpty())
                refuse(Reason::Code::GranularUnprovable, access, letter, {}, grant.scope->text);
            return;
        case Interaction::Create:
            if (restricted && compartmentType) {
                if (type == patientType && patientsKnown)
                    refuse(Reason::Code::CreatePatient, access, letter);
                else
                    restrict(Constraint::Kind::CheckBody, type, restriction, access, letter);
            }
            if (!filters.isEmpty())
                filter(Constraint::Kind::CheckBody, type, filters);
            return;
        case Interaction::Update:
            if (restricted && compartmentType) {
                if (type == patientType && patientsKnown && !m_request.conditional) {
                    requireOwnPatient();
                } else {
                    if (!m_request.conditional)
                        restrict(Constraint::Kind::CheckExisting, type, restriction, access, letter,
                                 m_request.id);
                    restrict(Constraint::Kind::CheckBody, type, restriction, access, letter);
                }
            }
            if (!filters.isEmpty()) {
                if (!m_request.conditional)
                    filter(Constraint::Kind::CheckExisting, type, filters, m_request.id);
                filter(Constraint::Kind::CheckBody, type, filters);
            }
            return;
        case Interaction::Patch:
            if (restricted && compartmentType) {
                if (type == patientType && patientsKnown && !m_request.conditional)
                    requireOwnPatient();
                else
                    refuse(Reason::Code::PatchUnverifiable, access, letter,
                           QStringLiteral("the patched resource could leave the compartment"));
            }
            if (!filters.isEmpty())
                refuse(Reason::Code::PatchUnverifiable, access, letter,
                       QStringLiteral("the patched resource could leave the granular scope"));
            return;
        case Interaction::Delete:
            if (restricted && compartmentType && !m_request.conditional) {
                if (type == patientType && patientsKnown)
                    requireOwnPatient();
                else
                    restrict(Constraint::Kind::CheckExisting, type, restriction, access, letter,
                             m_request.id);
            }
            if (!filters.isEmpty() && !m_request.conditional)
                filter(Constraint::Kind::CheckExisting, type, filters, m_request.id);
            return;
        case Interaction::Operation:
            applyOperation(access, letter, restriction, filters);
            return;
        case Interaction::GraphQL:
            // Only system/ wildcard grants reach here (see grantLetter rules).
            return;
        case Interaction::SearchType:
        case Interaction::SearchSystem:
        case Interaction::SearchCompartment:
            narrowSearch(access, letter, restriction, filters);
            return;
        case Interaction::Capabilities:
        case Interaction::SmartConfiguration:
        case Interaction::Batch:
        case Interaction::Transaction:
            return;
        }
    }

    void applyOperation(const Access &access, quint8 letter, const Restriction &restriction,
                        const QList<GranularFilter> &filters)
    {
        const bool restricted = restriction.kind != Restriction::Kind::None;
        const int type = access.resourceType;
        const bool compartmentType =
            type == ResourceTypes::All || ResourceTypes::inPatientCompartment(type);
        const QString &operation = m_request.operation;
        if (operation == u"$everything") {
            if (!restricted)
                return;
            if (m_request.id.isEmpty()) {
                refuse(Reason::Code::CompartmentUnnarrowable, access, letter,
                       QStringLiteral("$everything on every patient"));
                return;
            }
            if (m_request.resourceType == patientType
                && restriction.kind == Restriction::Kind::Patients
                && !restriction.patients.contains(m_request.id)) {
                refuse(Reason::Code::CompartmentOutside, access, letter,
                       QStringLiteral("Patient/%1").arg(m_request.id));
                return;
            }
            restrict(Constraint::Kind::CheckResponse, ResourceTypes::All, restriction, access,
                     letter);
            return;
        }
        if (operation == u"$meta" && !m_request.id.isEmpty()) {
            if (restricted && compartmentType) {
                if (type == patientType && restriction.kind == Restriction::Kind::Patients) {
                    if (!restriction.patients.contains(m_request.id))
                        refuse(Reason::Code::CompartmentOutside, access, letter,
                               QStringLiteral("Patient/%1").arg(m_request.id));
                } else {
                    restrict(Constraint::Kind::CheckResponse, type, restriction, access, letter);
                }
            }
            if (!filters.isEmpty())
                filter(Constraint::Kind::CheckResponse, type, filters);
            return;
        }
        if (restricted && compartmentType) {
            // $match, type- or system-level $meta: answers about every patient.
            refuse(Reason::Code::CompartmentUnnarrowable, access, letter,
                   QStringLiteral("%1 answers about every patient").arg(operation));
            return;
        }
        if (!filters.isEmpty())
            filter(Constraint::Kind::CheckResponse, type, filters);
    }

private:
    const FhirRequest &m_request;
    const ContextFacts &m_facts;
    Decision m_decision;
};

Decision decideBundle(const ScopeSet &grants, const FhirRequest &request,
                      const AuthzContext &context)
{
    Decision decision;
    decision.allowed = true;
    decision.entries.reserve(request.entries.size());
    int index = 0;
    for (const FhirRequest &entry : request.entries) {
        Decision entryDecision = Engine::decide(grants, entry, context);
        if (!entryDecision.allowed) {
            decision.allowed = false;
            Reason reason;
            reason.code = Reason::Code::BundleEntryDenied;
            reason.entry = index;
            const Reason *refusal = entryDecision.refusal();
            reason.detail = entry.summary() + QStringLiteral(": ")
                + (refusal ? refusal->message() : QStringLiteral("refused"));
            decision.reasons.append(std::move(reason));
        }
        decision.entries.push_back(std::move(entryDecision));
        ++index;
    }
    if (decision.allowed) {
        Reason reason;
        reason.code = Reason::Code::BundleAllowed;
        reason.detail = QStringLiteral("%1 %2 entries")
                            .arg(request.entries.size())
                            .arg(interactionName(request.interaction));
        decision.reasons.append(std::move(reason));
    }
    return decision;
}

} // namespace

Decision Engine::decide(const ScopeSet &grants, const FhirRequest &request,
                        const AuthzContext &context)
{
    switch (request.interaction) {
    case Interaction::Capabilities:
    case Interaction::SmartConfiguration: {
        Decision decision;
        decision.allowed = true;
        Reason reason;
        reason.code = Reason::Code::NoScopeNeeded;
        reason.detail = request.interaction == Interaction::Capabilities
            ? QStringLiteral("the capability statement (/metadata)")
            : QStringLiteral("the SMART configuration");
        decision.reasons.append(std::move(reason));
        return decision;
    }
    case Interaction::Batch:
    case Interaction::Transaction:
        return decideBundle(grants, request, context);
    default:
        break;
    }

    const ContextFacts facts(context);
    DecisionBuilder builder(request, facts);
    if (request.accesses.empty()) {
        // Every other interaction reaches something; an empty list means the
        // request was not understood.
        Access nothing;
        builder.refuse(Reason::Code::ScopeMissing, nothing, 0,
                       QStringLiteral("the request reaches no resource type"));
        return builder.take(grants);
    }

    LetterRules baseRules;
    baseRules.systemOnly =
        request.interaction == Interaction::GraphQL || request.operation == u"$export";
    for (const Access &access : request.accesses) {
        LetterRules rules = baseRules;
        rules.allowGranular = access.reach != Reach::Chain && access.reach != Reach::Has
            && access.reach != Reach::List && access.reach != Reach::Contained;
        for (quint8 bit = 1; bit <= PermissionSearch; bit <<= 1) {
            if (!(access.permissions & bit))
                continue;
            const LetterGrant grant = grantLetter(grants, request, access, bit, facts, rules);
            if (!grant.granted) {
                // The most specific reason first: a scope that would have
                // granted but for the missing context.
                if (grant.skippedNoPatient)
                    builder.refuse(Reason::Code::NoPatientContext, access, bit, {},
                                   grant.skippedNoPatient->text);
                if (grant.skippedNoUser)
                    builder.refuse(Reason::Code::NoUserContext, access, bit, {},
                                   grant.skippedNoUser->text);
                if (request.interaction == Interaction::GraphQL)
                    builder.refuse(Reason::Code::GraphQLWildcardOnly, access, bit);
                else if (grant.skippedNotSystem)
                    builder.refuse(Reason::Code::BulkSystemOnly, access, bit, {},
                                   grant.skippedNotSystem->text);
                else if (grant.skippedGranular)
                    builder.refuse(Reason::Code::GranularUnprovable, access, bit, {},
                                   grant.skippedGranular->text);
                else
                    builder.refuse(Reason::Code::ScopeMissing, access, bit);
                continue;
            }
            builder.granted(access, bit, *grant.scope);
            builder.apply(access, bit, grant);
        }
    }
    Decision decision = builder.take(grants);
    if (!decision.allowed && lcAuthz().isDebugEnabled()) {
        const Reason *refusal = decision.refusal();
        qCDebug(lcAuthz) << "refused" << request.summary() << "-"
                         << (refusal ? refusal->codeName() : QString());
    }
    return decision;
}

Decision Engine::explain(const ScopeSet &grants, QStringView method, QStringView pathUnderBase,
                         QStringView query, QStringView contentType, const QByteArray &body,
                         const AuthzContext &context, QStringView ifNoneExist)
{
    Result<FhirRequest> request =
        RequestClassifier::classify(method, pathUnderBase, query, contentType, body, ifNoneExist);
    if (!request) {
        Decision decision;
        Reason reason;
        reason.code = Reason::Code::RequestRefused;
        reason.requestCode = request.error().code;
        reason.detail = request.error().message;
        decision.reasons.append(std::move(reason));
        return decision;
    }
    return decide(grants, request.value(), context);
}

} // namespace ProxySmart::Authz
