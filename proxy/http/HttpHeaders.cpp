#include "http/HttpHeaders.h"

namespace ProxySmart::Http {

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

void HttpHeaders::add(QByteArray name, QByteArray value)
{
    m_fields.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::set(const QByteArray &name, QByteArray value)
{
    remove(name);
    m_fields.emplace_back(name, std::move(value));
}

void HttpHeaders::remove(QByteArrayView name)
{
    m_fields.removeIf([name](const Field &field) { return equalsIgnoringCase(field.first, name); });
}

bool HttpHeaders::contains(QByteArrayView name) const
{
    for (const Field &field : m_fields) {
        if (equalsIgnoringCase(field.first, name))
            return true;
    }
    return false;
}

QByteArray HttpHeaders::value(QByteArrayView name) const
{
    for (const Field &field : m_fields) {
        if (equalsIgnoringCase(field.first, name))
            return field.second;
    }
    return {};
}

QList<QByteArray> HttpHeaders::values(QByteArrayView name) const
{
    QList<QByteArray> result;
    for (const Field &field : m_fields) {
        if (equalsIgnoringCase(field.first, name))
            result.append(field.second);
    }
    return result;
}

QByteArray HttpHeaders::combined(QByteArrayView name) const
{
    QByteArray result;
    for (const Field &field : m_fields) {
        if (!equalsIgnoringCase(field.first, name))
            continue;
        if (!result.isEmpty())
            result += ", ";
        result += field.second;
    }
    return result;
}

bool HttpHeaders::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const Field &field : m_fields) {
        if (!equalsIgnoringCase(field.first, name))
            continue;
        for (const QByteArray &part : field.second.split(',')) {
            if (equalsIgnoringCase(part.trimmed(), token))
                return true;
        }
    }
    return false;
}

void HttpHeaders::removeHopByHop()
{
    QList<QByteArray> named;
    for (const QByteArray &value : values("connection")) {
        for (const QByteArray &part : value.split(','))
            named.append(part.trimmed());
    }
    static constexpr QByteArrayView hopByHop[] = {"connection",
                                                  "keep-alive",
                                                  "proxy-connection",
                                                  "te",
                                                  "trailer",
                                                  "transfer-encoding",
                                                  "upgrade",
                                                  "proxy-authenticate",
                                                  "proxy-authorization"};
    m_fields.removeIf([&named](const Field &field) {
        for (QByteArrayView name : hopByHop) {
            if (equalsIgnoringCase(field.first, name))
                return true;
        }
        for (const QByteArray &name : named) {
            if (equalsIgnoringCase(field.first, name))
                return true;
        }
        return false;
    });
}

void HttpHeaders::appendTo(QByteArray &out) const
{
    for (const Field &field : m_fields) {
        out += field.first;
        out += ": ";
        out += field.second;
        out += "\r\n";
    }
}

} // namespace ProxySmart::Http
