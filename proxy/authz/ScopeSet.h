#pragma once

#include "authz/Scope.h"

#include <QList>
#include <QStringView>

namespace ProxySmart::Authz {

// The scopes of one token, parsed once (for example when the token is
// verified) and then used for every request made with it. Immutable after
// parse(), so one instance may be shared by several threads.
class ScopeSet
{
public:
    ScopeSet() = default;

    // Splits a space-delimited scope string and parses each scope. Never
    // fails: scopes it does not understand are kept as Unknown with a reason
    // and grant nothing.
    static ScopeSet parse(QStringView scopeString);
    // Parses one scope.
    static Scope parseScope(QStringView text);

    const QList<Scope> &scopes() const { return m_scopes; }
    QList<Scope> unknownScopes() const;
    bool contains(Scope::Kind kind) const;
    bool isEmpty() const { return m_scopes.isEmpty(); }

private:
    QList<Scope> m_scopes;
};

} // namespace ProxySmart::Authz
