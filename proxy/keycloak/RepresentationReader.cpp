#include "keycloak/RepresentationReader.h"

namespace ProxySmart {

void RepresentationReader::wrongType(QStringView key, const char *expected)
{
    if (m_problem.isEmpty())
        m_problem = QStringLiteral("\"%1\" is not %2").arg(key, QLatin1String(expected));
}

QString RepresentationReader::requiredString(QStringView key)
{
    const QJsonValue value = m_object.value(key);
    if (!value.isString() || value.toString().isEmpty()) {
        if (m_problem.isEmpty())
            m_problem = QStringLiteral("\"%1\" is missing").arg(key);
        return {};
    }
    return value.toString();
}

QString RepresentationReader::string(QStringView key, const QString &fallback)
{
    const QJsonValue value = m_object.value(key);
    if (value.isUndefined() || value.isNull())
        return fallback;
    if (!value.isString()) {
        wrongType(key, "a string");
        return fallback;
    }
    return value.toString();
}

bool RepresentationReader::boolean(QStringView key, bool fallback)
{
    const QJsonValue value = m_object.value(key);
    if (value.isUndefined() || value.isNull())
        return fallback;
    if (!value.isBool()) {
        wrongType(key, "a boolean");
        return fallback;
    }
    return value.toBool();
}

qint64 RepresentationReader::integer(QStringView key, qint64 fallback)
{
    const QJsonValue value = m_object.value(key);
    if (value.isUndefined() || value.isNull())
        return fallback;
    const double number = value.toDouble();
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number))) {
        wrongType(key, "an integer");
        return fallback;
    }
    return static_cast<qint64>(number);
}

QStringList RepresentationReader::stringList(QStringView key)
{
    const QJsonValue value = m_object.value(key);
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isArray()) {
        wrongType(key, "a list of strings");
        return {};
    }
    QStringList list;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString()) {
            wrongType(key, "a list of strings");
            return {};
        }
        list << item.toString();
    }
    return list;
}

QJsonObject RepresentationReader::object(QStringView key)
{
    const QJsonValue value = m_object.value(key);
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isObject()) {
        wrongType(key, "an object");
        return {};
    }
    return value.toObject();
}

QString RepresentationReader::firstAttribute(QStringView key)
{
    const QJsonValue value = object(u"attributes").value(key);
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isArray()) {
        wrongType(key, "a list of strings");
        return {};
    }
    const QJsonArray values = value.toArray();
    if (values.isEmpty())
        return {};
    if (!values.first().isString()) {
        wrongType(key, "a list of strings");
        return {};
    }
    return values.first().toString();
}

QString RepresentationReader::attribute(QStringView key)
{
    const QJsonValue value = object(u"attributes").value(key);
    if (value.isUndefined() || value.isNull())
        return {};
    if (!value.isString()) {
        wrongType(key, "a string");
        return {};
    }
    return value.toString();
}

} // namespace ProxySmart
