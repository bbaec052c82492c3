#include "authz/RequestClassifier.h"

#include "authz/Scope.h"
#include "authz/UrlDecoding.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QVarLengthArray>

#include <optional>

namespace ProxySmart::Authz {

namespace {

using Failure = std::optional<Error>;

Error fail(const char16_t *code, QString message)
{
    return Error {QString::fromUtf16(code), std::move(message)};
}

constexpr qsizetype maxPathLength = 2048;
constexpr int maxSegments = 6;

bool isAsciiLetter(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z');
}

bool isAsciiDigit(QChar c)
{
    return c.unicode() >= u'0' && c.unicode() <= u'9';
}

bool isPathChar(QChar c)
{
    // "*" only ever passes as a whole segment where a type may be "*"
    // (Patient/123/*); everywhere else it fails the type or id check.
    return isAsciiLetter(c) || isAsciiDigit(c) || c == u'-' || c == u'.' || c == u'_' || c == u'$'
        || c == u'/' || c == u'*';
}

// A search parameter name: a letter, then letters, digits and "-".
bool isValidParamName(QStringView name)
{
    if (name.isEmpty() || name.size() > 64 || !isAsciiLetter(name.front()))
        return false;
    for (QChar c : name) {
        if (!isAsciiLetter(c) && !isAsciiDigit(c) && c != u'-')
            return false;
    }
    return true;
}

bool isValidOperationName(QStringView name)
{
    if (name.size() < 2 || name.size() > 64 || name.front() != u'$' || !isAsciiLetter(name[1]))
        return false;
    for (QChar c : name.mid(1)) {
        if (!isAsciiLetter(c) && !isAsciiDigit(c) && c != u'-')
            return false;
    }
    return true;
}

bool isKnownModifier(QStringView modifier)
{
    static constexpr QStringView known[] = {
        u"missing", u"exact", u"contains", u"text",    u"not",        u"above",
        u"below",   u"in",    u"not-in",   u"of-type", u"identifier",
    };
    for (QStringView candidate : known) {
        if (candidate == modifier)
            return true;
    }
    return ResourceTypes::indexOf(modifier) >= 0;
}

QString typeName(int type)
{
    return ResourceTypes::name(type).toString();
}

// Parameters that only shape the answer and reach nothing.
bool isFormatParam(QStringView name)
{
    return name == u"_format" || name == u"_pretty";
}

// ---------------------------------------------------------------------------
// Query strings

Failure parseQuery(QStringView query, QList<SearchParam> *params)
{
    if (query.isEmpty())
        return {};
    if (query.contains(u'#'))
        return fail(u"request.encoding", QStringLiteral("the query holds a \"#\" fragment"));
    if (query.contains(u';'))
        return fail(u"request.encoding",
                    QStringLiteral("the query holds a \";\", which some servers read as a "
                                   "parameter separator"));
    for (QStringView pair : query.tokenize(u'&')) {
        if (pair.isEmpty())
            continue;
        if (params->size() >= RequestClassifier::maxParameters)
            return fail(u"request.parameter", QStringLiteral("too many parameters"));
        const qsizetype eq = pair.indexOf(u'=');
        if (eq < 0)
            return fail(u"request.parameter",
                        QStringLiteral("parameter \"%1\" has no value").arg(pair.left(64)));
        QString key;
        SearchParam param;
        if (!UrlDecoding::decode(pair.left(eq), true, &key)
            || !UrlDecoding::decode(pair.mid(eq + 1), true, &param.value))
            return fail(u"request.encoding",
                        QStringLiteral("malformed percent-encoding, invalid UTF-8 or a control "
                                       "character in the query"));
        if (key.isEmpty())
            return fail(u"request.parameter", QStringLiteral("a parameter has an empty name"));
        const qsizetype colon = key.indexOf(u':');
        if (colon >= 0) {
            param.name = key.left(colon);
            param.modifier = key.mid(colon + 1);
            if (param.modifier.isEmpty())
                return fail(u"request.modifier",
                            QStringLiteral("parameter \"%1\" has an empty modifier").arg(key));
        } else {
            param.name = std::move(key);
        }
        params->append(std::move(param));
    }
    return {};
}

QString displayKey(const SearchParam &param)
{
    return param.modifier.isEmpty() ? param.name : param.name + QLatin1Char(':') + param.modifier;
}

// ---------------------------------------------------------------------------
// Search parameters: what each one reaches

enum class ParamUse {
    Search, // a search: everything a search may carry
    Criteria, // conditional create/update/patch/delete: filters only
    LastN, // Observation/$lastn: a search plus "max"
};

struct SearchContext
{
    int baseType; // the searched type, or ResourceTypes::All for a system search
    ParamUse use;
};

void addAccess(FhirRequest *request, Access access)
{
    for (const Access &existing : request->accesses) {
        if (existing == access)
            return;
    }
    request->accesses.push_back(std::move(access));
}

// `Source:param[:Target]` or `*`.
Failure analyzeInclude(FhirRequest *request, const SearchParam &param, bool reverse)
{
    if (!param.modifier.isEmpty() && param.modifier != u"iterate" && param.modifier != u"recurse")
        return fail(u"request.include",
                    QStringLiteral("unknown modifier on %1").arg(displayKey(param)));
    const QString &value = param.value;
    const Reach reach = reverse ? Reach::RevInclude : Reach::Include;
    const quint8 permissions =
        reverse ? quint8(PermissionRead | PermissionSearch) : quint8(PermissionRead);
    if (value == u"*") {
        addAccess(request, {ResourceTypes::All, permissions, reach, param.name, false});
        return {};
    }
    const QList<QStringView> parts = QStringView(value).split(u':');
    if (parts.size() < 2 || parts.size() > 3 || value.contains(u','))
        return fail(u"request.include",
                    QStringLiteral("%1=%2 is not of the form Type:parameter[:TargetType]")
                        .arg(param.name, value.left(128)));
    int source = ResourceTypes::All;
    if (parts[0] != u"*") {
        source = ResourceTypes::indexOf(parts[0]);
        if (source == ResourceTypes::None)
            return fail(u"request.include",
                        QStringLiteral("\"%1\" in %2 is not a FHIR R4 resource type")
                            .arg(parts[0].left(64), param.name));
    }
    const QStringView linkParam = parts[1];
    if (linkParam != u"*" && !isValidParamName(linkParam))
        return fail(u"request.include",
                    QStringLiteral("\"%1\" in %2 is not a search parameter name")
                        .arg(linkParam.left(64), param.name));
    int target = ResourceTypes::All;
    if (parts.size() == 3) {
        if (parts[2] != u"*") {
            target = ResourceTypes::indexOf(parts[2]);
            if (target == ResourceTypes::None)
                return fail(u"request.include",
                            QStringLiteral("\"%1\" in %2 is not a FHIR R4 resource type")
                                .arg(parts[2].left(64), param.name));
        }
    } else if (linkParam == u"patient") {
        target = ResourceTypes::indexOf(u"Patient");
    }
    // An include returns the referenced resources; a reverse include returns
    // the resources of the source type that point back.
    const int reached = reverse ? source : target;
    addAccess(request, {reached, permissions, reach, value, false});
    return {};
}

// `param[:Type].param[:Type]…param[:modifier]`
Failure analyzeChain(FhirRequest *request, const SearchContext &context, const QString &key)
{
    const QList<QStringView> links = QStringView(key).split(u'.');
    if (links.size() > 4)
        return fail(u"request.chain", QStringLiteral("chain \"%1\" is too deep").arg(key));
    for (qsizetype i = 0; i + 1 < links.size(); ++i) {
        const QStringView link = links[i];
        const qsizetype colon = link.indexOf(u':');
        const QStringView linkParam = colon >= 0 ? link.left(colon) : link;
        if (!isValidParamName(linkParam))
            return fail(u"request.chain",
                        QStringLiteral("\"%1\" in chain \"%2\" is not a search parameter")
                            .arg(linkParam.left(64), key.left(128)));
        int target = ResourceTypes::All;
        if (colon >= 0) {
            target = ResourceTypes::indexOf(link.mid(colon + 1));
            if (target == ResourceTypes::None)
                return fail(u"request.chain",
                            QStringLiteral("\"%1\" in chain \"%2\" is not a FHIR R4 resource type")
                                .arg(link.mid(colon + 1).left(64), key.left(128)));
        } else if (linkParam == u"patient") {
            target = ResourceTypes::indexOf(u"Patient");
        }
        // The first link from a compartment type to its patient through
        // "patient" or "subject" stays on the patient a narrowing pins.
        const bool patientLink = i == 0 && target == ResourceTypes::indexOf(u"Patient")
            && ResourceTypes::inPatientCompartment(context.baseType)
            && (linkParam == u"patient" || linkParam == u"subject");
        addAccess(request, {target, PermissionSearch, Reach::Chain, key.left(128), patientLink});
    }
    const QStringView last = links.last();
    const qsizetype colon = last.indexOf(u':');
    const QStringView lastParam = colon >= 0 ? last.left(colon) : last;
    if (!isValidParamName(lastParam))
        return fail(u"request.chain",
                    QStringLiteral("\"%1\" in chain \"%2\" is not a search parameter")
                        .arg(lastParam.left(64), key.left(128)));
    if (colon >= 0 && !isKnownModifier(last.mid(colon + 1)))
        return fail(u"request.modifier",
                    QStringLiteral("unknown modifier in \"%1\"").arg(key.left(128)));
    return {};
}

// `_has:Type:refParam:param[:modifier]`, nested `_has:Type:ref:_has:Type2:ref2:param`.
Failure analyzeHas(FhirRequest *request, const SearchContext &context, const SearchParam &param)
{
    const QList<QStringView> parts = QStringView(param.modifier).split(u':');
    qsizetype index = 0;
    int outer = context.baseType;
    int depth = 0;
    while (true) {
        if (++depth > 3)
            return fail(u"request.has", QStringLiteral("_has is nested too deeply"));
        if (parts.size() - index < 3)
            return fail(u"request.has",
                        QStringLiteral("\"%1\" is not of the form _has:Type:reference:parameter")
                            .arg(displayKey(param).left(128)));
        const int type = ResourceTypes::indexOf(parts[index]);
        if (type == ResourceTypes::None)
            return fail(u"request.has",
                        QStringLiteral("\"%1\" in _has is not a FHIR R4 resource type")
                            .arg(parts[index].left(64)));
        const QStringView reference = parts[index + 1];
        if (!isValidParamName(reference))
            return fail(
                u"request.has",
                QStringLiteral("\"%1\" in _has is not a search parameter").arg(reference.left(64)));
        const bool patientLink = depth == 1 && outer == ResourceTypes::indexOf(u"Patient")
            && (ResourceTypes::isCompartmentParameter(type, reference)
                || reference == ResourceTypes::narrowingParameter(type));
        addAccess(request,
                  {type, PermissionSearch, Reach::Has, displayKey(param).left(128), patientLink});
        index += 2;
        if (parts[index] == u"_has") {
            ++index;
            outer = type;
            continue;
        }
        const qsizetype remaining = parts.size() - index;
        if (remaining > 2 || !isValidParamName(parts[index])
            || (remaining == 2 && !isKnownModifier(parts[index + 1])))
            return fail(u"request.has",
                        QStringLiteral("\"%1\" does not end in a search parameter")
                            .arg(displayKey(param).left(128)));
        return {};
    }
}

bool isFilterSpecial(QStringView name)
{
    static constexpr QStringView names[] = {
        u"_id",     u"_lastUpdated", u"_tag",     u"_profile",  u"_security",
        u"_source", u"_text",        u"_content", u"_language",
    };
    for (QStringView candidate : names) {
        if (candidate == name)
            return true;
    }
    return false;
}

Failure analyzeSearchParams(FhirRequest *request, const SearchContext &context,
                            QList<int> *typeFilter)
{
    const bool fullSearch = context.use != ParamUse::Criteria;
    for (const SearchParam &param : request->params) {
        const QString &name = param.name;
        if (isFormatParam(name) && param.modifier.isEmpty())
            continue;
        if (name.startsWith(u'_')) {
            if (isFilterSpecial(name)) {
                if (!param.modifier.isEmpty() && !isKnownModifier(param.modifier))
                    return fail(u"request.modifier",
                                QStringLiteral("unknown modifier in \"%1\"")
                                    .arg(displayKey(param).left(128)));
                continue;
            }
            if (name == u"_has") {
                if (Failure failure = analyzeHas(request, context, param))
                    return failure;
                continue;
            }
            if (!fullSearch)
                return fail(u"request.parameter",
                            QStringLiteral("\"%1\" is not allowed in conditional criteria")
                                .arg(displayKey(param).left(128)));
            if (name == u"_include" || name == u"_revinclude") {
                if (Failure failure = analyzeInclude(request, param, name == u"_revinclude"))
                    return failure;
                continue;
            }
            if (!param.modifier.isEmpty())
                return fail(u"request.modifier",
                            QStringLiteral("\"%1\" takes no modifier").arg(name));
            if (name == u"_type") {
                if (context.baseType != ResourceTypes::All || !typeFilter)
                    return fail(u"request.parameter",
                                QStringLiteral("_type is only meaningful on a system-wide "
                                               "search"));
                for (QStringView type : QStringView(param.value).split(u',')) {
                    const int index = ResourceTypes::indexOf(type);
                    if (index == ResourceTypes::None)
                        return fail(u"request.type",
                                    QStringLiteral("\"%1\" in _type is not a FHIR R4 resource "
                                                   "type")
                                        .arg(type.left(64)));
                    if (!typeFilter->contains(index))
                        typeFilter->append(index);
                }
                continue;
            }
            if (name == u"_list") {
                addAccess(
                    request,
                    {ResourceTypes::indexOf(u"List"), PermissionSearch, Reach::List, name, false});
                continue;
            }
            if (name == u"_contained") {
                if (param.value == u"true" || param.value == u"both")
                    addAccess(request,
                              {ResourceTypes::All, quint8(PermissionRead | PermissionSearch),
                               Reach::Contained, name, false});
                else if (param.value != u"false")
                    return fail(u"request.parameter",
                                QStringLiteral("_contained must be true, false or both"));
                continue;
            }
            if (name == u"_containedType") {
                if (param.value != u"container" && param.value != u"contained")
                    return fail(u"request.parameter",
                                QStringLiteral("_containedType must be container or contained"));
                continue;
            }
            if (name == u"_summary") {
                static constexpr QStringView values[] = {u"true", u"false", u"text", u"data",
                                                         u"count"};
                if (std::find(std::begin(values), std::end(values), QStringView(param.value))
                    == std::end(values))
                    return fail(u"request.parameter",
                                QStringLiteral("_summary must be true, false, text, data or "
                                               "count"));
                continue;
            }
            if (name == u"_total") {
                if (param.value != u"none" && param.value != u"estimate"
                    && param.value != u"accurate")
                    return fail(u"request.parameter",
                                QStringLiteral("_total must be none, estimate or accurate"));
                continue;
            }
            if (name == u"_sort" || name == u"_count" || name == u"_elements"
                || isFormatParam(name))
                continue;
            if (name == u"_getpages" || name == u"_getpagesoffset")
                return fail(u"request.paging",
                            QStringLiteral("a paging continuation (%1) cannot be tied to the "
                                           "search that created it")
                                .arg(name));
            return fail(u"request.parameter",
                        QStringLiteral("\"%1\" is not a special parameter the engine knows")
                            .arg(name.left(64)));
        }

        if (context.use == ParamUse::LastN && name == u"max" && param.modifier.isEmpty())
            continue;
        const QString key = displayKey(param);
        if (key.contains(u'.')) {
            if (Failure failure = analyzeChain(request, context, key))
                return failure;
            continue;
        }
        if (!isValidParamName(name))
            return fail(u"request.parameter",
                        QStringLiteral("\"%1\" is not a search parameter name").arg(name.left(64)));
        if (!param.modifier.isEmpty() && !isKnownModifier(param.modifier))
            return fail(u"request.modifier",
                        QStringLiteral("unknown modifier in \"%1\"").arg(key.left(128)));
    }
    return {};
}

// Only parameters that shape the answer are allowed where nothing is searched.
Failure allowOnly(const QList<SearchParam> &params, std::initializer_list<QStringView> allowed,
                  QStringView where)
{
    for (const SearchParam &param : params) {
        bool ok = param.modifier.isEmpty()
            && std::find(allowed.begin(), allowed.end(), QStringView(param.name)) != allowed.end();
        if (ok && param.name == u"_summary") {
            ok = param.value == u"true" || param.value == u"false" || param.value == u"text"
                || param.value == u"data";
        }
        if (!ok)
            return fail(u"request.parameter",
                        QStringLiteral("parameter \"%1\" is not allowed on %2")
                            .arg(displayKey(param).left(128), where));
    }
    return {};
}

// ---------------------------------------------------------------------------
// Bodies

bool isJsonContentType(QStringView contentType)
{
    const QStringView mime = contentType.left(contentType.indexOf(u';')).trimmed();
    return mime.compare(u"application/fhir+json", Qt::CaseInsensitive) == 0
        || mime.compare(u"application/json", Qt::CaseInsensitive) == 0
        || mime.compare(u"application/json+fhir", Qt::CaseInsensitive) == 0;
}

bool isFormContentType(QStringView contentType)
{
    const QStringView mime = contentType.left(contentType.indexOf(u';')).trimmed();
    return mime.compare(u"application/x-www-form-urlencoded", Qt::CaseInsensitive) == 0;
}

Failure parseJsonObject(QStringView contentType, const QByteArray &body, QJsonObject *object)
{
    if (body.trimmed().isEmpty())
        return fail(u"request.body", QStringLiteral("the request has no body"));
    if (!isJsonContentType(contentType))
        return fail(u"request.content_type",
                    QStringLiteral("only JSON bodies can be inspected (Content-Type \"%1\")")
                        .arg(contentType.left(64)));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return fail(u"request.body", QStringLiteral("the body is not a JSON object"));
    *object = document.object();
    return {};
}

// The resource written must be of the type in the path, and an update's id
// must be the one in the path.
Failure checkResource(const FhirRequest &request, const QJsonObject &resource, bool needId)
{
    const QJsonValue type = resource.value(QLatin1StringView("resourceType"));
    if (!type.isString() || type.toString() != ResourceTypes::name(request.resourceType))
        return fail(u"request.body_type",
                    QStringLiteral("the body's resourceType is not %1")
                        .arg(typeName(request.resourceType)));
    const QJsonValue id = resource.value(QLatin1StringView("id"));
    if (needId) {
        if (!id.isUndefined() && (!id.isString() || id.toString() != request.id))
            return fail(u"request.body_id",
                        QStringLiteral("the body's id is not the id in the path"));
    }
    return {};
}

// ---------------------------------------------------------------------------
// Operations

enum OperationLevel : quint8 { LevelSystem = 1, LevelType = 2, LevelInstance = 4 };

struct OperationRule
{
    QStringView name;
    quint8 levels;
    QStringView types; // comma-separated; empty = any type
    bool allowPost;
};

constexpr OperationRule operationRules[] = {
    {u"$everything", LevelType | LevelInstance, u"Patient,Encounter", true},
    {u"$export", LevelSystem | LevelType | LevelInstance, u"Patient,Group", true},
    {u"$graphql", LevelSystem | LevelInstance, {}, true},
    {u"$lastn", LevelType, u"Observation", false},
    {u"$meta", LevelSystem | LevelType | LevelInstance, {}, false},
    {u"$expand", LevelType | LevelInstance, u"ValueSet", true},
    {u"$validate-code", LevelType | LevelInstance, u"ValueSet,CodeSystem", true},
    {u"$lookup", LevelType, u"CodeSystem", true},
    {u"$subsumes", LevelType | LevelInstance, u"CodeSystem", true},
    {u"$translate", LevelType | LevelInstance, u"ConceptMap", true},
    {u"$match", LevelType, u"Patient", true},
};

const OperationRule *findOperation(QStringView name)
{
    for (const OperationRule &rule : operationRules) {
        if (rule.name == name)
            return &rule;
    }
    return nullptr;
}

bool typeAllowed(const OperationRule &rule, int type)
{
    if (rule.types.isEmpty())
        return true;
    const QStringView name = ResourceTypes::name(type);
    for (QStringView candidate : rule.types.tokenize(u',')) {
        if (candidate == name)
            return true;
    }
    return false;
}

Failure classifyOperation(FhirRequest *request, QStringView method, QStringView opName,
                          QStringView contentType, const QByteArray &body)
{
    if (!isValidOperationName(opName))
        return fail(u"request.operation",
                    QStringLiteral("\"%1\" is not an operation name").arg(opName.left(64)));
    const OperationRule *rule = findOperation(opName);
    if (!rule)
        return fail(u"request.operation",
                    QStringLiteral("the engine does not know operation %1").arg(opName));
    const quint8 level = request->resourceType == ResourceTypes::None ? LevelSystem
        : request->id.isEmpty()                                       ? LevelType
                                                                      : LevelInstance;
    if (!(rule->levels & level)
        || (level != LevelSystem && !typeAllowed(*rule, request->resourceType)))
        return fail(u"request.operation",
                    QStringLiteral("%1 is not defined at this level or on this type").arg(opName));
    if (method == u"POST") {
        if (!rule->allowPost)
            return fail(u"request.operation",
                        QStringLiteral("%1 by POST is refused: its parameters in the body are not "
                                       "inspected")
                            .arg(opName));
    } else if (method != u"GET") {
        return fail(u"request.method",
                    QStringLiteral("operation %1 takes GET or POST").arg(opName));
    }
    Q_UNUSED(contentType);
    Q_UNUSED(body);
    request->interaction = Interaction::Operation;
    request->operation = opName.toString();
    const int type = request->resourceType;
    const quint8 readSearch = PermissionRead | PermissionSearch;

    if (opName == u"$everything") {
        if (Failure failure = allowOnly(request->params,
                                        {u"start", u"end", u"_since", u"_type", u"_count",
                                         u"_format", u"_pretty", u"_elements"},
                                        u"$everything"))
            return failure;
        addAccess(request,
                  {ResourceTypes::All, readSearch, Reach::Target, request->operation, false});
        return {};
    }
    if (opName == u"$export") {
        if (Failure failure = allowOnly(request->params,
                                        {u"_outputFormat", u"_since", u"_type", u"_typeFilter",
                                         u"_elements", u"includeAssociatedData", u"patient"},
                                        u"$export"))
            return failure;
        QList<int> types;
        for (const SearchParam &param : request->params) {
            if (param.name != u"_type")
                continue;
            for (QStringView name : QStringView(param.value).split(u',')) {
                const int index = ResourceTypes::indexOf(name);
                if (index == ResourceTypes::None)
                    return fail(u"request.type",
                                QStringLiteral("\"%1\" in _type is not a FHIR R4 resource type")
                                    .arg(name.left(64)));
                types.append(index);
            }
        }
        // Without _type everything is exported; POST parameters may only narrow.
        if (types.isEmpty() || method == u"POST")
            types = {ResourceTypes::All};
        for (int index : types)
            addAccess(request, {index, readSearch, Reach::Target, request->operation, false});
        return {};
    }
    if (opName == u"$graphql") {
        // Limitation: GraphQL queries are not parsed, so a query is taken to
        // reach every resource type; only a system/ wildcard read grant allows it.
        if (Failure failure =
                allowOnly(request->params, {u"query", u"_format", u"_pretty"}, u"$graphql"))
            return failure;
        request->interaction = Interaction::GraphQL;
        addAccess(request,
                  {ResourceTypes::All, readSearch, Reach::Target, request->operation, false});
        return {};
    }
    if (opName == u"$lastn") {
        if (Failure failure = analyzeSearchParams(request, {type, ParamUse::LastN}, nullptr))
            return failure;
        addAccess(request, {type, PermissionSearch, Reach::Target, request->operation, false});
        return {};
    }
    if (opName == u"$meta") {
        if (Failure failure = allowOnly(request->params, {u"_format", u"_pretty"}, u"$meta"))
            return failure;
        if (level == LevelInstance)
            addAccess(request, {type, PermissionRead, Reach::Target, request->operation, false});
        else
            addAccess(request,
                      {level == LevelSystem ? ResourceTypes::All : type, readSearch, Reach::Target,
                       request->operation, false});
        return {};
    }
    if (opName == u"$match") {
        if (method != u"POST")
            return fail(u"request.method", QStringLiteral("$match takes POST"));
        addAccess(request, {type, readSearch, Reach::Target, request->operation, false});
        return {};
    }
    // Terminology operations read definitional resources only.
    for (const SearchParam &param : request->params) {
        if (param.name.startsWith(u'_') && !isFormatParam(param.name))
            return fail(u"request.parameter",
                        QStringLiteral("parameter \"%1\" is not allowed on %2")
                            .arg(param.name.left(64), opName));
        if (!param.name.startsWith(u'_') && !isValidParamName(param.name))
            return fail(u"request.parameter",
                        QStringLiteral("\"%1\" is not a parameter name").arg(param.name.left(64)));
    }
    addAccess(request, {type, PermissionRead, Reach::Target, request->operation, false});
    return {};
}

// ---------------------------------------------------------------------------
// The request line

QString canonicalMethod(QStringView method)
{
    if (method == u"GET" || method == u"HEAD")
        return QStringLiteral("GET");
    if (method == u"POST")
        return QStringLiteral("POST");
    if (method == u"PUT")
        return QStringLiteral("PUT");
    if (method == u"PATCH")
        return QStringLiteral("PATCH");
    if (method == u"DELETE")
        return QStringLiteral("DELETE");
    return {};
}

Result<FhirRequest> classifyRequest(QStringView method, QStringView path, QStringView query,
                                    QStringView contentType, const QByteArray &body,
                                    const QJsonObject *entryResource, QStringView ifNoneExist,
                                    bool inBundle);

Failure classifyBundle(FhirRequest *request, QStringView contentType, const QByteArray &body)
{
    QJsonObject bundle;
    if (Failure failure = parseJsonObject(contentType, body, &bundle))
        return failure;
    if (bundle.value(QLatin1StringView("resourceType")).toString() != u"Bundle")
        return fail(u"request.bundle",
                    QStringLiteral("a POST to the base must carry a batch or transaction "
                                   "Bundle"));
    const QString type = bundle.value(QLatin1StringView("type")).toString();
    if (type == u"batch")
        request->interaction = Interaction::Batch;
    else if (type == u"transaction")
        request->interaction = Interaction::Transaction;
    else
        return fail(u"request.bundle",
                    QStringLiteral("only batch and transaction Bundles can be posted to the "
                                   "base"));
    const QJsonValue entriesValue = bundle.value(QLatin1StringView("entry"));
    if (!entriesValue.isUndefined() && !entriesValue.isArray())
        return fail(u"request.bundle", QStringLiteral("Bundle.entry is not an array"));
    const QJsonArray entries = entriesValue.toArray();
    if (entries.size() > RequestClassifier::maxBundleEntries)
        return fail(u"request.bundle", QStringLiteral("the Bundle has too many entries"));
    request->entries.reserve(entries.size());
    int index = 0;
    for (const QJsonValue &entryValue : entries) {
        const auto entryError = [index](const QString &what) {
            return fail(u"request.bundle_entry",
                        QStringLiteral("entry %1: %2").arg(index).arg(what));
        };
        if (!entryValue.isObject())
            return entryError(QStringLiteral("not an object"));
        const QJsonObject entry = entryValue.toObject();
        const QJsonObject entryRequest = entry.value(QLatin1StringView("request")).toObject();
        const QJsonValue methodValue = entryRequest.value(QLatin1StringView("method"));
        const QJsonValue urlValue = entryRequest.value(QLatin1StringView("url"));
        if (!methodValue.isString() || !urlValue.isString())
            return entryError(QStringLiteral("request.method and request.url are required"));
        const QString url = urlValue.toString();
        if (url.contains(QLatin1StringView("://")) || url.startsWith(u'/')
            || url.startsWith(QLatin1StringView("urn:")))
            return entryError(QStringLiteral("request.url must be relative to the FHIR base"));
        const qsizetype question = url.indexOf(u'?');
        const QStringView entryPath = question >= 0 ? QStringView(url).left(question) : url;
        const QStringView entryQuery =
            question >= 0 ? QStringView(url).mid(question + 1) : QStringView();
        const QJsonValue resourceValue = entry.value(QLatin1StringView("resource"));
        if (!resourceValue.isUndefined() && !resourceValue.isObject())
            return entryError(QStringLiteral("resource is not an object"));
        const QJsonObject resource = resourceValue.toObject();
        const QJsonValue ifNoneExistValue = entryRequest.value(QLatin1StringView("ifNoneExist"));
        if (!ifNoneExistValue.isUndefined() && !ifNoneExistValue.isString())
            return entryError(QStringLiteral("ifNoneExist is not a string"));
        const QString entryIfNoneExist = ifNoneExistValue.toString();
        Result<FhirRequest> classified =
            classifyRequest(methodValue.toString(), entryPath, entryQuery, {}, {},
                            resourceValue.isObject() ? &resource : nullptr, entryIfNoneExist, true);
        if (!classified)
            return entryError(classified.error().message);
        request->entries.push_back(std::move(classified).value());
        ++index;
    }
    return {};
}

Result<FhirRequest> classifyRequest(QStringView rawMethod, QStringView path, QStringView query,
                                    QStringView contentType, const QByteArray &body,
                                    const QJsonObject *entryResource, QStringView ifNoneExist,
                                    bool inBundle)
{
    FhirRequest request;
    request.method = canonicalMethod(rawMethod);
    if (request.method.isEmpty())
        return fail(
            u"request.method",
            QStringLiteral("method \"%1\" is not a FHIR interaction").arg(rawMethod.left(16)));
    const QStringView method = request.method;

    // The path: strict characters, no empty, "." or ".." segments.
    if (path.startsWith(u'/'))
        path = path.mid(1);
    if (path.size() > maxPathLength)
        return fail(u"request.path", QStringLiteral("the path is too long"));
    for (QChar c : path) {
        if (!isPathChar(c))
            return fail(u"request.path",
                        QStringLiteral("the path holds a character outside A-Z a-z 0-9 - . _ $ * "
                                       "/ (percent-encoding is not accepted in the path)"));
    }
    QVarLengthArray<QStringView, maxSegments> segments;
    if (!path.isEmpty()) {
        for (QStringView segment : path.tokenize(u'/')) {
            if (segment.isEmpty())
                return fail(u"request.path",
                            QStringLiteral("the path has an empty segment (\"//\" or a trailing "
                                           "\"/\")"));
            if (segment == u"." || segment == u"..")
                return fail(u"request.path",
                            QStringLiteral("the path has a \".\" or \"..\" segment"));
            if (segments.size() >= maxSegments)
                return fail(u"request.path", QStringLiteral("the path has too many segments"));
            segments.append(segment);
        }
    }

    if (Failure failure = parseQuery(query, &request.params))
        return std::move(*failure);

    const auto resolveType = [&request](QStringView name) -> Failure {
        request.resourceType = ResourceTypes::indexOf(name);
        if (request.resourceType == ResourceTypes::None)
            return fail(u"request.type",
                        QStringLiteral("\"%1\" is not a FHIR R4 resource type (names are "
                                       "case-sensitive)")
                            .arg(name.left(64)));
        return {};
    };
    const auto resolveId = [&request](QStringView id) -> Failure {
        if (!RequestClassifier::isValidId(id))
            return fail(u"request.id", QStringLiteral("\"%1\" is not a FHIR id").arg(id.left(64)));
        request.id = id.toString();
        return {};
    };
    const auto formBody = [&]() -> Failure {
        if (body.isEmpty())
            return {};
        if (!isFormContentType(contentType))
            return fail(u"request.content_type",
                        QStringLiteral("a _search body must be "
                                       "application/x-www-form-urlencoded"));
        const QString form = QString::fromLatin1(body);
        return parseQuery(form, &request.params);
    };
    const auto searchOn = [&request](int type, QList<int> *typeFilter) -> Failure {
        return analyzeSearchParams(&request, {type, ParamUse::Search}, typeFilter);
    };
    const auto writeBody = [&](bool needId) -> Failure {
        if (entryResource) {
            request.resource = *entryResource;
        } else if (Failure failure = parseJsonObject(contentType, body, &request.resource)) {
            return failure;
        }
        return checkResource(request, request.resource, needId);
    };
    const auto conditionalCriteria = [&request](QStringView where) -> Failure {
        if (request.params.isEmpty())
            return fail(u"request.interaction",
                        QStringLiteral("%1 without search criteria").arg(where));
        request.conditional = true;
        if (Failure failure =
                analyzeSearchParams(&request, {request.resourceType, ParamUse::Criteria}, nullptr))
            return failure;
        // Only format parameters: a conditional interaction needs a filter.
        bool hasFilter = false;
        for (const SearchParam &param : request.params)
            hasFilter = hasFilter || !isFormatParam(param.name);
        if (!hasFilter)
            return fail(u"request.interaction",
                        QStringLiteral("%1 without search criteria").arg(where));
        addAccess(&request,
                  {request.resourceType, PermissionSearch, Reach::Target,
                   QStringLiteral("criteria"), false});
        return {};
    };
    const auto unknownInteraction = [&]() {
        return fail(u"request.interaction",
                    QStringLiteral("%1 /%2 is not a FHIR interaction the engine understands")
                        .arg(method, path.left(256)));
    };

    const qsizetype n = segments.size();
    const quint8 readOnly = PermissionRead;

    // [base]
    if (n == 0) {
        if (method == u"GET") {
            request.interaction = Interaction::SearchSystem;
            request.resourceType = ResourceTypes::None;
            QList<int> types;
            if (Failure failure = searchOn(ResourceTypes::All, &types))
                return std::move(*failure);
            if (types.isEmpty())
                types.append(ResourceTypes::All);
            for (int type : types)
                addAccess(&request, {type, PermissionSearch, Reach::Target, {}, false});
            return request;
        }
        if (method == u"POST" && !inBundle) {
            if (Failure failure = allowOnly(request.params, {u"_format", u"_pretty"}, u"a Bundle"))
                return std::move(*failure);
            if (Failure failure = classifyBundle(&request, contentType, body))
                return std::move(*failure);
            return request;
        }
        return unknownInteraction();
    }

    const QStringView first = segments[0];
    if (n == 1) {
        if (first == u"metadata") {
            if (method != u"GET")
                return unknownInteraction();
            if (Failure failure = allowOnly(
                    request.params, {u"mode", u"_format", u"_pretty", u"_summary", u"_elements"},
                    u"/metadata"))
                return std::move(*failure);
            request.interaction = Interaction::Capabilities;
            return request;
        }
        if (first == u"_history") {
            if (method != u"GET")
                return unknownInteraction();
            if (Failure failure = allowOnly(request.params,
                                            {u"_count", u"_since", u"_at", u"_format", u"_pretty",
                                             u"_summary", u"_elements"},
                                            u"history"))
                return std::move(*failure);
            request.interaction = Interaction::HistorySystem;
            addAccess(
                &request,
                {ResourceTypes::All, PermissionSearch | PermissionRead, Reach::Target, {}, false});
            return request;
        }
        if (first == u"_search") {
            if (method != u"POST" || inBundle)
                return unknownInteraction();
            if (Failure failure = formBody())
                return std::move(*failure);
            request.interaction = Interaction::SearchSystem;
            QList<int> types;
            if (Failure failure = searchOn(ResourceTypes::All, &types))
                return std::move(*failure);
            if (types.isEmpty())
                types.append(ResourceTypes::All);
            for (int type : types)
                addAccess(&request, {type, PermissionSearch, Reach::Target, {}, false});
            return request;
        }
        if (first.startsWith(u'$')) {
            if (Failure failure = classifyOperation(&request, method, first, contentType, body))
                return std::move(*failure);
            return request;
        }
        if (Failure failure = resolveType(first))
            return std::move(*failure);
        const int type = request.resourceType;
        if (method == u"GET") {
            request.interaction = Interaction::SearchType;
            if (Failure failure = searchOn(type, nullptr))
                return std::move(*failure);
            addAccess(&request, {type, PermissionSearch, Reach::Target, {}, false});
            return request;
        }
        if (method == u"POST") {
            request.interaction = Interaction::Create;
            if (Failure failure = allowOnly(request.params, {u"_format", u"_pretty"}, u"create"))
                return std::move(*failure);
            if (Failure failure = writeBody(false))
                return std::move(*failure);
            if (!ifNoneExist.isEmpty()) {
                // Conditional create: the If-None-Exist criteria are a search.
                if (Failure failure = parseQuery(ifNoneExist, &request.params))
                    return std::move(*failure);
                if (Failure failure = conditionalCriteria(u"If-None-Exist"))
                    return std::move(*failure);
            }
            addAccess(&request, {type, PermissionCreate, Reach::Target, {}, false});
            return request;
        }
        if (method == u"PUT") {
            request.interaction = Interaction::Update;
            if (Failure failure = conditionalCriteria(u"a conditional update"))
                return std::move(*failure);
            if (Failure failure = writeBody(false))
                return std::move(*failure);
            addAccess(&request, {type, PermissionUpdate, Reach::Target, {}, false});
            return request;
        }
        if (method == u"PATCH") {
            request.interaction = Interaction::Patch;
            if (Failure failure = conditionalCriteria(u"a conditional patch"))
                return std::move(*failure);
            addAccess(&request, {type, PermissionUpdate, Reach::Target, {}, false});
            return request;
        }
        // DELETE
        request.interaction = Interaction::Delete;
        if (Failure failure = conditionalCriteria(u"a conditional delete"))
            return std::move(*failure);
        addAccess(&request, {type, PermissionDelete, Reach::Target, {}, false});
        return request;
    }

    const QStringView second = segments[1];
    if (n == 2 && first == u".well-known" && second == u"smart-configuration") {
        if (method != u"GET" || !request.params.isEmpty())
            return unknownInteraction();
        request.interaction = Interaction::SmartConfiguration;
        return request;
    }
    if (Failure failure = resolveType(first))
        return std::move(*failure);
    const int type = request.resourceType;

    if (n == 2) {
        if (second == u"_history") {
            if (method != u"GET")
                return unknownInteraction();
            if (Failure failure = allowOnly(request.params,
                                            {u"_count", u"_since", u"_at", u"_format", u"_pretty",
                                             u"_summary", u"_elements"},
                                            u"history"))
                return std::move(*failure);
            request.interaction = Interaction::HistoryType;
            addAccess(&request,
                      {type, PermissionSearch | PermissionRead, Reach::Target, {}, false});
            return request;
        }
        if (second == u"_search") {
            if (method != u"POST" || inBundle)
                return unknownInteraction();
            if (Failure failure = formBody())
                return std::move(*failure);
            request.interaction = Interaction::SearchType;
            if (Failure failure = searchOn(type, nullptr))
                return std::move(*failure);
            addAccess(&request, {type, PermissionSearch, Reach::Target, {}, false});
            return request;
        }
        if (second.startsWith(u'$')) {
            if (Failure failure = classifyOperation(&request, method, second, contentType, body))
                return std::move(*failure);
            return request;
        }
        if (Failure failure = resolveId(second))
            return std::move(*failure);
        if (method == u"GET") {
            if (Failure failure = allowOnly(
                    request.params, {u"_format", u"_pretty", u"_summary", u"_elements"}, u"read"))
                return std::move(*failure);
            request.interaction = Interaction::Read;
            addAccess(&request, {type, readOnly, Reach::Target, {}, false});
            return request;
        }
        if (Failure failure = allowOnly(request.params, {u"_format", u"_pretty"}, u"a write"))
            return std::move(*failure);
        if (method == u"PUT") {
            request.interaction = Interaction::Update;
            if (Failure failure = writeBody(true))
                return std::move(*failure);
            addAccess(&request, {type, PermissionUpdate, Reach::Target, {}, false});
            return request;
        }
        if (method == u"PATCH") {
            request.interaction = Interaction::Patch;
            addAccess(&request, {type, PermissionUpdate, Reach::Target, {}, false});
            return request;
        }
        if (method == u"DELETE") {
            request.interaction = Interaction::Delete;
            addAccess(&request, {type, PermissionDelete, Reach::Target, {}, false});
            return request;
        }
        return unknownInteraction();
    }

    if (Failure failure = resolveId(second))
        return std::move(*failure);
    const QStringView third = segments[2];

    if (n == 3) {
        if (third == u"_history") {
            if (method != u"GET")
                return unknownInteraction();
            if (Failure failure = allowOnly(request.params,
                                            {u"_count", u"_since", u"_at", u"_format", u"_pretty",
                                             u"_summary", u"_elements"},
                                            u"history"))
                return std::move(*failure);
            request.interaction = Interaction::HistoryInstance;
            addAccess(&request, {type, readOnly, Reach::Target, {}, false});
            return request;
        }
        if (third.startsWith(u'$')) {
            if (Failure failure = classifyOperation(&request, method, third, contentType, body))
                return std::move(*failure);
            return request;
        }
    }

    // Compartment search: [Compartment]/[id]/[type|*] (GET) or …/[type]/_search (POST).
    const bool compartmentGet = n == 3 && method == u"GET";
    const bool compartmentPost =
        n == 4 && segments[3] == u"_search" && method == u"POST" && !inBundle;
    if (compartmentGet || compartmentPost) {
        static constexpr QStringView compartments[] = {u"Patient", u"Encounter", u"RelatedPerson",
                                                       u"Practitioner", u"Device"};
        if (std::find(std::begin(compartments), std::end(compartments), first)
            == std::end(compartments))
            return fail(u"request.interaction",
                        QStringLiteral("%1 is not a compartment").arg(first));
        int target = ResourceTypes::All;
        if (third != u"*") {
            target = ResourceTypes::indexOf(third);
            if (target == ResourceTypes::None)
                return fail(u"request.type",
                            QStringLiteral("\"%1\" is not a FHIR R4 resource type (names are "
                                           "case-sensitive)")
                                .arg(third.left(64)));
        } else if (compartmentPost) {
            return unknownInteraction();
        }
        if (first == u"Patient" && target != ResourceTypes::All
            && !ResourceTypes::inPatientCompartment(target))
            return fail(u"request.interaction",
                        QStringLiteral("%1 is not in the Patient compartment").arg(third));
        if (compartmentPost) {
            if (Failure failure = formBody())
                return std::move(*failure);
        }
        request.interaction = Interaction::SearchCompartment;
        request.compartmentType = type;
        request.resourceType = target;
        if (Failure failure = searchOn(target, nullptr))
            return std::move(*failure);
        addAccess(&request, {target, PermissionSearch, Reach::Target, {}, false});
        return request;
    }

    if (n == 4 && third == u"_history") {
        if (method != u"GET")
            return unknownInteraction();
        if (!RequestClassifier::isValidId(segments[3]))
            return fail(u"request.id",
                        QStringLiteral("\"%1\" is not a version id").arg(segments[3].left(64)));
        if (Failure failure = allowOnly(
                request.params, {u"_format", u"_pretty", u"_summary", u"_elements"}, u"vread"))
            return std::move(*failure);
        request.interaction = Interaction::VRead;
        request.versionId = segments[3].toString();
        addAccess(&request, {type, readOnly, Reach::Target, {}, false});
        return request;
    }
    return unknownInteraction();
}

} // namespace

bool RequestClassifier::isValidId(QStringView id)
{
    if (id.isEmpty() || id.size() > 64 || id == u"." || id == u"..")
        return false;
    for (QChar c : id) {
        if (!isAsciiLetter(c) && !isAsciiDigit(c) && c != u'-' && c != u'.')
            return false;
    }
    return true;
}

Result<FhirRequest> RequestClassifier::classify(QStringView method, QStringView pathUnderBase,
                                                QStringView query, QStringView contentType,
                                                const QByteArray &body, QStringView ifNoneExist)
{
    return classifyRequest(method, pathUnderBase, query, contentType, body, nullptr, ifNoneExist,
                           false);
}

} // namespace ProxySmart::Authz
