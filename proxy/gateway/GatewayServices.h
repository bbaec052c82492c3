#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

#include <memory>

namespace ProxySmart {

namespace Jose {
class TokenVerifier;
}
class AuditLog;
class AssignmentCache;

// What every worker thread's GatewayHandler shares: the token verifier, the
// audit log and the practitioner-assignment cache (each thread-safe), and
// the upstream credentials read at start.
struct GatewayServices
{
    std::shared_ptr<Jose::TokenVerifier> verifier; // null: every FHIR request is 401
    std::shared_ptr<AuditLog> audit;
    std::shared_ptr<AssignmentCache> assignments;
    // FHIR server id → the static-header value (read from its file or
    // environment variable at start; never logged).
    QHash<QString, QByteArray> upstreamAuthValues;
};

} // namespace ProxySmart
