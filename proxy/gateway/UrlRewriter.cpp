#include "gateway/UrlRewriter.h"

namespace ProxySmart {

namespace {

bool endsBase(char ch)
{
    switch (ch) {
    case '/':
    case '?':
    case '#':
    case '"':
    case '\'':
    case '<':
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return true;
    default:
        return false;
    }
}

} // namespace

UrlRewriter::UrlRewriter(QByteArray from, QByteArray to)
    : m_from(std::move(from))
    , m_to(std::move(to))
{
    while (m_from.endsWith('/'))
        m_from.chop(1);
    while (m_to.endsWith('/'))
        m_to.chop(1);
}

QByteArray UrlRewriter::feed(QByteArrayView chunk)
{
    if (isIdentity())
        return chunk.toByteArray();
    m_pending.append(chunk);
    return process(false);
}

QByteArray UrlRewriter::finish()
{
    if (isIdentity())
        return {};
    return process(true);
}

QByteArray UrlRewriter::rewrite(QByteArrayView whole) const
{
    UrlRewriter copy(m_from, m_to);
    QByteArray out = copy.feed(whole);
    out += copy.finish();
    return out;
}

QByteArray UrlRewriter::process(bool final)
{
    QByteArray out;
    out.reserve(m_pending.size() + 64);
    qsizetype pos = 0;
    const qsizetype n = m_pending.size();
    while (pos < n) {
        const qsizetype hit = m_pending.indexOf(m_from, pos);
        if (hit < 0)
            break;
        const qsizetype after = hit + m_from.size();
        if (after == n && !final) {
            // Whether the base ends here depends on the next byte: wait.
            out.append(QByteArrayView(m_pending).sliced(pos, hit - pos));
            pos = hit;
            m_pending.remove(0, pos);
            return out;
        }
        out.append(QByteArrayView(m_pending).sliced(pos, hit - pos));
        if (after == n || endsBase(m_pending.at(after)))
            out.append(m_to);
        else
            out.append(m_from);
        pos = after;
    }
    // Keep a tail that could be the start of the next match.
    qsizetype keep = final ? 0 : qMin<qsizetype>(m_from.size() - 1, n - pos);
    // The kept tail must be a possible prefix of m_from; otherwise emit it.
    while (keep > 0 && !m_from.startsWith(QByteArrayView(m_pending).sliced(n - keep)))
        --keep;
    out.append(QByteArrayView(m_pending).sliced(pos, n - pos - keep));
    m_pending.remove(0, n - keep);
    return out;
}

} // namespace ProxySmart
