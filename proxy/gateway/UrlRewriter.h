#pragma once

#include <QByteArray>

namespace ProxySmart {

// Replaces one absolute base URL by another in a stream of bytes (a FHIR
// Bundle's links and fullUrls, a Location header), so clients only ever see
// the gateway's address. A match counts only when the base ends there: the
// next byte is '/', '?', '#', '"', '<', '\'', whitespace, or the end.
// Chunk boundaries do not matter; feed() holds back what might still match.
class UrlRewriter
{
public:
    UrlRewriter(QByteArray from, QByteArray to);

    QByteArray feed(QByteArrayView chunk);
    QByteArray finish();
    // Rewrites one complete value.
    QByteArray rewrite(QByteArrayView whole) const;

    bool isIdentity() const { return m_from.isEmpty() || m_from == m_to; }

private:
    QByteArray process(bool final);

    QByteArray m_from;
    QByteArray m_to;
    QByteArray m_pending;
};

} // namespace ProxySmart
