#pragma once

#include <QByteArray>
#include <QString>

namespace ProxySmart {

// A FHIR R4 OperationOutcome with one issue, as JSON bytes.
// severity: fatal | error | warning | information; code: an IssueType code
// such as "forbidden", "login", "not-found", "exception", "timeout".
QByteArray operationOutcome(QStringView severity, QStringView code, const QString &diagnostics);

} // namespace ProxySmart
