#include "authz/ScopeSet.h"

#include "authz/ResourceTypes.h"
#include "authz/UrlDecoding.h"

namespace ProxySmart::Authz {

namespace {

// Longer scopes and longer scope strings are not parsed (they grant nothing).
constexpr qsizetype maxScopeLength = 2048;
constexpr int maxScopes = 512;

Scope unknown(Scope scope, QString reason)
{
    scope.kind = Scope::Kind::Unknown;
    scope.permissions = 0;
    scope.resourceType = ResourceTypes::None;
    scope.filter = {};
    scope.invalidReason = std::move(reason);
    return scope;
}

bool isGranularNameChar(QChar c, bool first)
{
    const char16_t u = c.unicode();
    if (u >= u'a' && u <= u'z')
        return true;
    if (first)
        return false;
    return (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'-';
}

bool validGranularName(QStringView name)
{
    if (name == u"_tag" || name == u"_security" || name == u"_profile")
        return true;
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        if (!isGranularNameChar(name[i], i == 0))
            return false;
    }
    return true;
}

// Parses "name=value&name=v1,v2"; returns an empty string on success or the
// reason it is refused.
QString parseGranular(QStringView query, GranularFilter *filter)
{
    if (query.isEmpty())
        return QStringLiteral("the granular restriction after \"?\" is empty");
    for (QStringView pair : query.tokenize(u'&')) {
        const qsizetype eq = pair.indexOf(u'=');
        if (eq <= 0)
            return QStringLiteral("a granular parameter has no \"name=value\" form");
        const QStringView rawName = pair.left(eq);
        QString name;
        if (!UrlDecoding::decode(rawName, false, &name) || !validGranularName(name))
            return QStringLiteral("granular parameter name \"%1\" is not supported")
                .arg(rawName.toString());
        QString value;
        if (!UrlDecoding::decode(pair.mid(eq + 1), false, &value) || value.isEmpty())
            return QStringLiteral("granular parameter \"%1\" has an empty or malformed value")
                .arg(name);
        GranularParam param;
        param.name = name;
        for (QStringView alternative : QStringView(value).tokenize(u',')) {
            if (alternative.isEmpty() || alternative == u"|")
                return QStringLiteral("granular parameter \"%1\" has an empty alternative")
                    .arg(name);
            param.values.append(alternative.toString());
        }
        filter->params.append(std::move(param));
    }
    return {};
}

// v2 letters must be a non-empty subsequence of "cruds".
bool parseV2Letters(QStringView letters, quint8 *permissions)
{
    static constexpr char16_t order[] = u"cruds";
    if (letters.isEmpty() || letters.size() > 5)
        return false;
    int next = 0;
    quint8 mask = 0;
    for (QChar c : letters) {
        int position = next;
        while (position < 5 && order[position] != c.unicode())
            ++position;
        if (position >= 5)
            return false;
        mask |= quint8(1u << position);
        next = position + 1;
    }
    *permissions = mask;
    return true;
}

} // namespace

QString permissionLetters(quint8 permissions)
{
    static constexpr char16_t order[] = u"cruds";
    QString letters;
    for (int i = 0; i < 5; ++i) {
        if (permissions & (1u << i))
            letters += QChar(order[i]);
    }
    return letters;
}

QStringView contextName(Scope::Context context)
{
    switch (context) {
    case Scope::Context::Patient:
        return u"patient";
    case Scope::Context::User:
        return u"user";
    case Scope::Context::System:
        return u"system";
    }
    return u"?";
}

Scope ScopeSet::parseScope(QStringView text)
{
    Scope scope;
    scope.text = text.toString();
    if (text.size() > maxScopeLength)
        return unknown(std::move(scope), QStringLiteral("the scope is too long"));

    struct Named
    {
        QStringView text;
        Scope::Kind kind;
    };
    static constexpr Named named[] = {
        {u"launch", Scope::Kind::Launch},
        {u"launch/patient", Scope::Kind::LaunchPatient},
        {u"launch/encounter", Scope::Kind::LaunchEncounter},
        {u"openid", Scope::Kind::OpenId},
        {u"fhirUser", Scope::Kind::FhirUser},
        {u"profile", Scope::Kind::Profile},
        {u"offline_access", Scope::Kind::OfflineAccess},
        {u"online_access", Scope::Kind::OnlineAccess},
    };
    for (const Named &entry : named) {
        if (text == entry.text) {
            scope.kind = entry.kind;
            return scope;
        }
    }

    const qsizetype slash = text.indexOf(u'/');
    if (slash < 0)
        return unknown(std::move(scope), QStringLiteral("not a SMART scope"));
    const QStringView prefix = text.left(slash);
    if (prefix == u"patient")
        scope.context = Scope::Context::Patient;
    else if (prefix == u"user")
        scope.context = Scope::Context::User;
    else if (prefix == u"system")
        scope.context = Scope::Context::System;
    else
        return unknown(std::move(scope),
                       QStringLiteral("the context must be patient/, user/ or system/"));

    QStringView rest = text.mid(slash + 1);
    QStringView query;
    bool hasQuery = false;
    if (const qsizetype question = rest.indexOf(u'?'); question >= 0) {
        query = rest.mid(question + 1);
        rest = rest.left(question);
        hasQuery = true;
    }
    const qsizetype dot = rest.lastIndexOf(u'.');
    if (dot <= 0)
        return unknown(std::move(scope),
                       QStringLiteral("a resource scope needs TYPE.PERMISSIONS after the context"));
    const QStringView typeName = rest.left(dot);
    const QStringView letters = rest.mid(dot + 1);

    if (typeName == u"*") {
        scope.resourceType = ResourceTypes::All;
    } else {
        scope.resourceType = ResourceTypes::indexOf(typeName);
        if (scope.resourceType == ResourceTypes::None)
            return unknown(std::move(scope),
                           QStringLiteral("\"%1\" is not a FHIR R4 resource type (names are "
                                          "case-sensitive)")
                               .arg(typeName.toString()));
    }

    if (letters == u"read") {
        scope.permissions = PermissionRead | PermissionSearch;
    } else if (letters == u"write") {
        scope.permissions = PermissionCreate | PermissionUpdate | PermissionDelete;
    } else if (letters == u"*") {
        scope.permissions = PermissionAll;
    } else if (parseV2Letters(letters, &scope.permissions)) {
        scope.v2 = true;
    } else {
        return unknown(std::move(scope),
                       QStringLiteral("\"%1\" is neither read, write, * nor SMART v2 letters from "
                                      "\"cruds\" in that order")
                           .arg(letters.toString()));
    }

    if (hasQuery) {
        if (!scope.v2)
            return unknown(std::move(scope),
                           QStringLiteral("granular restrictions need SMART v2 permissions"));
        if (scope.resourceType == ResourceTypes::All)
            return unknown(std::move(scope),
                           QStringLiteral("a granular restriction on every resource type is not "
                                          "supported"));
        scope.filter.text = query.toString();
        const QString problem = parseGranular(query, &scope.filter);
        if (!problem.isEmpty())
            return unknown(std::move(scope), problem);
    }
    scope.kind = Scope::Kind::Resource;
    return scope;
}

ScopeSet ScopeSet::parse(QStringView scopeString)
{
    ScopeSet set;
    for (QStringView token : scopeString.tokenize(u' ', Qt::SkipEmptyParts)) {
        if (set.m_scopes.size() >= maxScopes) {
            Scope dropped;
            dropped.text = token.left(64).toString();
            set.m_scopes.append(
                unknown(std::move(dropped), QStringLiteral("more than 512 scopes; ignored")));
            break;
        }
        set.m_scopes.append(parseScope(token));
    }
    return set;
}

QList<Scope> ScopeSet::unknownScopes() const
{
    QList<Scope> result;
    for (const Scope &scope : m_scopes) {
        if (scope.kind == Scope::Kind::Unknown)
            result.append(scope);
    }
    return result;
}

bool ScopeSet::contains(Scope::Kind kind) const
{
    for (const Scope &scope : m_scopes) {
        if (scope.kind == kind)
            return true;
    }
    return false;
}

} // namespace ProxySmart::Authz
