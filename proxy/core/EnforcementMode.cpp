#include "core/EnforcementMode.h"

namespace ProxySmart {

std::optional<EnforcementMode> parseEnforcementMode(QStringView text)
{
    const QString mode = text.trimmed().toString().toLower().replace(u'_', u'-');
    if (mode == u"enforce")
        return EnforcementMode::Enforce;
    if (mode == u"audit-only" || mode == u"audit")
        return EnforcementMode::AuditOnly;
    if (mode == u"disabled" || mode == u"off")
        return EnforcementMode::Disabled;
    return std::nullopt;
}

QString enforcementModeName(EnforcementMode mode)
{
    switch (mode) {
    case EnforcementMode::Enforce:
        return QStringLiteral("enforce");
    case EnforcementMode::AuditOnly:
        return QStringLiteral("audit-only");
    case EnforcementMode::Disabled:
        return QStringLiteral("disabled");
    }
    return QStringLiteral("enforce");
}

} // namespace ProxySmart
