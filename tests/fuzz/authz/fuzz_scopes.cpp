// libFuzzer target: the SMART scope parser, and decisions made with whatever
// it parsed. Any crash, sanitizer report or broken invariant is a finding.
#include "authz/Engine.h"
#include "authz/RequestClassifier.h"
#include "authz/ScopeSet.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace ProxySmart;
using namespace ProxySmart::Authz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const ScopeSet grants = ScopeSet::parse(text);
    for (const Scope &scope : grants.scopes()) {
        // Unknown scopes grant nothing and say why.
        if (scope.kind == Scope::Kind::Unknown
            && (scope.permissions != 0 || scope.invalidReason.isEmpty()))
            std::abort();
        if (scope.kind == Scope::Kind::Resource
            && (scope.permissions == 0 || (scope.permissions & ~PermissionAll) != 0))
            std::abort();
        if (scope.kind == Scope::Kind::Resource && !scope.filter.isEmpty()
            && scope.resourceType == ResourceTypes::All)
            std::abort();
    }

    static const FhirRequest read =
        RequestClassifier::classify(u"GET", u"Patient/123", {}, {}, {}).value();
    static const FhirRequest search =
        RequestClassifier::classify(u"GET", u"Observation",
                                    u"category=laboratory&_include=Observation:patient", {}, {})
            .value();
    AuthzContext context;
    context.patientId = QStringLiteral("123");
    context.fhirUser = QStringLiteral("Practitioner/9");
    const Decision first = Engine::decide(grants, read, context);
    const Decision second = Engine::decide(grants, search, context);
    // With no grants nothing may be allowed.
    if (grants.isEmpty() && (first.allowed || second.allowed))
        std::abort();
    // A refusal never carries constraints.
    if ((!first.allowed && !first.constraints.isEmpty())
        || (!second.allowed && !second.constraints.isEmpty()))
        std::abort();
    (void)first.toJson();
    (void)second.toJson();
    return 0;
}
