#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace ProxySmart::Authz {

// SMART v2 permission letters, in their `cruds` order. A v1 `read` is
// Read|Search, a v1 `write` is Create|Update|Delete.
enum Permission : quint8 {
    PermissionCreate = 0x01,
    PermissionRead = 0x02,
    PermissionUpdate = 0x04,
    PermissionDelete = 0x08,
    PermissionSearch = 0x10,
    PermissionAll = 0x1f,
};

// "rs", "cud": the letters of a permission mask in `cruds` order.
QString permissionLetters(quint8 permissions);

// One parameter of a v2 granular scope (`category=sys|code,sys|code2`): the
// values are alternatives; a resource must match one of them.
struct GranularParam
{
    QString name;
    QStringList values;

    friend bool operator==(const GranularParam &, const GranularParam &) = default;
};

// The query part of a granular scope. Several parameters must all hold.
struct GranularFilter
{
    QString text; // as written in the scope, e.g. "category=http://…|laboratory"
    QList<GranularParam> params;

    bool isEmpty() const { return params.isEmpty(); }
    friend bool operator==(const GranularFilter &a, const GranularFilter &b)
    {
        return a.text == b.text;
    }
};

// One scope of a token, parsed. Scopes that are not understood are kept with
// kind Unknown and the reason; they grant nothing.
struct Scope
{
    enum class Kind : quint8 {
        Resource, // patient/, user/ or system/ access to resources
        Launch,
        LaunchPatient,
        LaunchEncounter,
        OpenId,
        FhirUser,
        Profile,
        OfflineAccess,
        OnlineAccess,
        Unknown,
    };
    enum class Context : quint8 { Patient, User, System };

    QString text;
    Kind kind = Kind::Unknown;
    Context context = Context::Patient;
    int resourceType = -2; // ResourceTypes index, ResourceTypes::All for `*`
    quint8 permissions = 0;
    bool v2 = false;
    GranularFilter filter; // empty unless a v2 granular scope
    QString invalidReason; // why an Unknown scope grants nothing

    bool grantsResources() const { return kind == Kind::Resource; }
};

QStringView contextName(Scope::Context context);

} // namespace ProxySmart::Authz
