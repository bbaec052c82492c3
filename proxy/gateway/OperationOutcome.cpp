#include "gateway/OperationOutcome.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ProxySmart {

QByteArray operationOutcome(QStringView severity, QStringView code, const QString &diagnostics)
{
    const QJsonObject issue {{QStringLiteral("severity"), severity.toString()},
                             {QStringLiteral("code"), code.toString()},
                             {QStringLiteral("diagnostics"), diagnostics}};
    const QJsonObject outcome {{QStringLiteral("resourceType"), QStringLiteral("OperationOutcome")},
                               {QStringLiteral("issue"), QJsonArray {issue}}};
    return QJsonDocument(outcome).toJson(QJsonDocument::Compact);
}

} // namespace ProxySmart
