#include "jose/Base64Url.h"

namespace ProxySmart::Jose::Base64Url {

namespace {

// The 6-bit value of a base64url character, or -1.
int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

} // namespace

QByteArray encode(QByteArrayView data)
{
    return QByteArray::fromRawData(data.data(), data.size())
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool isAlphabet(QByteArrayView text)
{
    for (const char c : text) {
        if (sextet(c) < 0)
            return false;
    }
    return true;
}

std::optional<QByteArray> decode(QByteArrayView text)
{
    if (text.isEmpty())
        return QByteArray();
    if (!isAlphabet(text))
        return std::nullopt;
    const qsizetype tail = text.size() % 4;
    if (tail == 1)
        return std::nullopt;
    // The bits of the last character that carry no data must be zero;
    // otherwise several encodings would decode to the same bytes.
    const int last = sextet(text.back());
    if ((tail == 2 && (last & 0x0F) != 0) || (tail == 3 && (last & 0x03) != 0))
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromRawData(text.data(), text.size()),
                                                  QByteArray::Base64UrlEncoding
                                                      | QByteArray::OmitTrailingEquals
                                                      | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return std::move(decoded.decoded);
}

} // namespace ProxySmart::Jose::Base64Url
