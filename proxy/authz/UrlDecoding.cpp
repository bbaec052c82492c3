#include "authz/UrlDecoding.h"

#include <QByteArray>
#include <QStringDecoder>

namespace ProxySmart::Authz {

namespace {

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9')
        return u - u'0';
    if (u >= u'a' && u <= u'f')
        return u - u'a' + 10;
    if (u >= u'A' && u <= u'F')
        return u - u'A' + 10;
    return -1;
}

} // namespace

bool UrlDecoding::hasControlCharacter(QStringView text)
{
    for (QChar c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return true;
    }
    return false;
}

bool UrlDecoding::decode(QStringView input, bool plusIsSpace, QString *output)
{
    const bool needsWork = input.contains(u'%') || (plusIsSpace && input.contains(u'+'));
    if (!needsWork) {
        if (hasControlCharacter(input))
            return false;
        *output = input.toString();
        return true;
    }
    // Query strings arrive as ASCII; anything else must have been encoded.
    QByteArray bytes;
    bytes.reserve(input.size());
    for (qsizetype i = 0; i < input.size(); ++i) {
        const QChar c = input[i];
        if (c.unicode() > 0x7e || c.unicode() < 0x20)
            return false;
        if (c == u'%') {
            if (i + 2 >= input.size())
                return false;
            const int high = hexValue(input[i + 1]);
            const int low = hexValue(input[i + 2]);
            if (high < 0 || low < 0)
                return false;
            bytes.append(char(high * 16 + low));
            i += 2;
        } else if (plusIsSpace && c == u'+') {
            bytes.append(' ');
        } else {
            bytes.append(char(c.unicode()));
        }
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString decoded = decoder.decode(bytes);
    if (decoder.hasError() || hasControlCharacter(decoded))
        return false;
    *output = std::move(decoded);
    return true;
}

} // namespace ProxySmart::Authz
