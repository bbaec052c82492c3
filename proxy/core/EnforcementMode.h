#pragma once

#include <QString>

#include <optional>

namespace ProxySmart {

// How a pipeline stage acts on its decision.
enum class EnforcementMode {
    Enforce, // a refusal stops the request
    AuditOnly, // a refusal is logged, the request goes on
    Disabled, // the stage is skipped
};

std::optional<EnforcementMode> parseEnforcementMode(QStringView text);
QString enforcementModeName(EnforcementMode mode);

} // namespace ProxySmart
