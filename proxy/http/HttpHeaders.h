#pragma once

#include <QByteArray>
#include <QList>

#include <utility>

namespace ProxySmart::Http {

// An ordered list of HTTP header fields. Names compare case-insensitively;
// repeated fields are kept in order, as HTTP allows.
class HttpHeaders
{
public:
    using Field = std::pair<QByteArray, QByteArray>;

    void add(QByteArray name, QByteArray value);
    // Replaces every field called name with one field.
    void set(const QByteArray &name, QByteArray value);
    void remove(QByteArrayView name);

    bool contains(QByteArrayView name) const;
    // The first field's value, or an empty array.
    QByteArray value(QByteArrayView name) const;
    QList<QByteArray> values(QByteArrayView name) const;
    // The values of every field called name joined by ", " (RFC 9110 5.3).
    QByteArray combined(QByteArrayView name) const;
    // Whether a comma-separated list header (Connection, Transfer-Encoding …)
    // contains token, compared case-insensitively.
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    const QList<Field> &fields() const { return m_fields; }
    qsizetype size() const { return m_fields.size(); }
    bool isEmpty() const { return m_fields.isEmpty(); }
    void clear() { m_fields.clear(); }
    void reserve(qsizetype size) { m_fields.reserve(size); }

    // Removes the hop-by-hop fields of RFC 9110 7.6.1, including every field
    // that Connection names, so they never cross the proxy.
    void removeHopByHop();

    // name: value CRLF for each field.
    void appendTo(QByteArray &out) const;

private:
    QList<Field> m_fields;
};

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b);

} // namespace ProxySmart::Http
