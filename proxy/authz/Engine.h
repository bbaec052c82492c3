#pragma once

#include "authz/AuthzContext.h"
#include "authz/Decision.h"
#include "authz/FhirRequest.h"
#include "authz/ScopeSet.h"

#include <QByteArray>
#include <QStringView>

namespace ProxySmart::Authz {

// Decides whether a token's grants allow a classified FHIR request, and on
// what conditions. Pure and reentrant: no I/O, no shared mutable state; call
// it from any number of threads.
//
// The rules, in short (proxy/authz/README.md has the full model):
// - every (resource type, permission) the request reaches must be granted by
//   some scope, the union of v1 and v2 scopes applying;
// - patient/ scopes bind access to the patient in context, user/ scopes to
//   what the fhirUser may see, system/ scopes are not narrowed;
// - where the data decides (reads, searches, writes), the decision carries
//   constraints for the gateway instead of guessing; where no constraint
//   could keep the request inside the grant, it is refused.
class Engine
{
public:
    static Decision decide(const ScopeSet &grants, const FhirRequest &request,
                           const AuthzContext &context);

    // Classifies and decides; a request the classifier refuses is a denial
    // whose reason is the classifier's.
    static Decision explain(const ScopeSet &grants, QStringView method, QStringView pathUnderBase,
                            QStringView query, QStringView contentType, const QByteArray &body,
                            const AuthzContext &context, QStringView ifNoneExist = {});
};

} // namespace ProxySmart::Authz
