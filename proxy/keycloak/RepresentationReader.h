#pragma once

#include "core/Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

namespace ProxySmart {

// Reads fields of a Keycloak representation with type checks. A missing
// optional field gives the default; a field of the wrong type records the
// first problem, which error() then reports.
class RepresentationReader
{
public:
    RepresentationReader(const QJsonObject &object, QString what)
        : m_object(object)
        , m_what(std::move(what))
    { }

    QString requiredString(QStringView key);
    QString string(QStringView key, const QString &fallback = {});
    bool boolean(QStringView key, bool fallback = false);
    qint64 integer(QStringView key, qint64 fallback = 0);
    QStringList stringList(QStringView key);
    QJsonObject object(QStringView key);
    // Keycloak keeps user attributes as {"name": ["value", …]}.
    QString firstAttribute(QStringView key);
    // Client and realm attributes are {"name": "value"}.
    QString attribute(QStringView key);

    bool ok() const { return m_problem.isEmpty(); }
    Error error() const
    {
        return Error {QStringLiteral("malformed_response"),
                      QStringLiteral("%1 from Keycloak is malformed: %2").arg(m_what, m_problem)};
    }

private:
    void wrongType(QStringView key, const char *expected);

    QJsonObject m_object;
    QString m_what;
    QString m_problem;
};

} // namespace ProxySmart
