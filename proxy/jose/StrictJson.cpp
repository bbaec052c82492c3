#include "jose/StrictJson.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>

namespace ProxySmart::Jose::StrictJson {

namespace {

enum class Failure { None, Invalid, Duplicate, TooDeep };

// A validating scanner over the JSON grammar. It decodes member names to
// compare them, and builds nothing else: QJsonDocument builds the values once
// the text is known to be unambiguous.
class Scanner
{
public:
    explicit Scanner(QByteArrayView text)
        : m_pos(text.data())
        , m_end(text.data() + text.size())
    { }

    // Returns true when the text is one value and nothing but whitespace after it.
    bool document()
    {
        skipWhitespace();
        if (!value(0))
            return false;
        skipWhitespace();
        if (m_pos != m_end)
            return fail(Failure::Invalid, "data after the JSON value");
        return true;
    }

    Failure failure() const { return m_failure; }
    const char *reason() const { return m_reason; }

private:
    bool fail(Failure failure, const char *reason)
    {
        if (m_failure == Failure::None) {
            m_failure = failure;
            m_reason = reason;
        }
        return false;
    }

    void skipWhitespace()
    {
        while (m_pos != m_end
               && (*m_pos == ' ' || *m_pos == '\t' || *m_pos == '\n' || *m_pos == '\r'))
            ++m_pos;
    }

    bool value(int depth)
    {
        if (m_pos == m_end)
            return fail(Failure::Invalid, "unexpected end of the JSON text");
        switch (*m_pos) {
        case '{':
            return object(depth + 1);
        case '[':
            return array(depth + 1);
        case '"':
            return string(nullptr);
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return number();
        }
    }

    bool literal(const char *word)
    {
        for (const char *w = word; *w; ++w, ++m_pos) {
            if (m_pos == m_end || *m_pos != *w)
                return fail(Failure::Invalid, "invalid literal");
        }
        return true;
    }

    static bool isDigit(char c) { return c >= '0' && c <= '9'; }

    bool number()
    {
        if (m_pos != m_end && *m_pos == '-')
            ++m_pos;
        if (m_pos == m_end || !isDigit(*m_pos))
            return fail(Failure::Invalid, "invalid value");
        if (*m_pos == '0') {
            ++m_pos;
        } else {
            while (m_pos != m_end && isDigit(*m_pos))
                ++m_pos;
        }
        if (m_pos != m_end && *m_pos == '.') {
            ++m_pos;
            if (m_pos == m_end || !isDigit(*m_pos))
                return fail(Failure::Invalid, "invalid number");
            while (m_pos != m_end && isDigit(*m_pos))
                ++m_pos;
        }
        if (m_pos != m_end && (*m_pos == 'e' || *m_pos == 'E')) {
            ++m_pos;
            if (m_pos != m_end && (*m_pos == '+' || *m_pos == '-'))
                ++m_pos;
            if (m_pos == m_end || !isDigit(*m_pos))
                return fail(Failure::Invalid, "invalid number");
            while (m_pos != m_end && isDigit(*m_pos))
                ++m_pos;
        }
        return true;
    }

    int hex4()
    {
        if (m_end - m_pos < 4)
            return -1;
        int code = 0;
        for (int i = 0; i < 4; ++i, ++m_pos) {
            const char c = *m_pos;
            code <<= 4;
            if (c >= '0' && c <= '9')
                code |= c - '0';
            else if (c >= 'a' && c <= 'f')
                code |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                code |= c - 'A' + 10;
            else
                return -1;
        }
        return code;
    }

    // One UTF-8 sequence starting at m_pos (a byte >= 0x80), validated
    // strictly: shortest form, no surrogates, at most U+10FFFF.
    bool utf8Sequence(char32_t *codePoint)
    {
        const auto lead = static_cast<unsigned char>(*m_pos);
        int length = 0;
        char32_t cp = 0;
        char32_t minimum = 0;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            cp = lead & 0x1F;
            minimum = 0x80;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            cp = lead & 0x0F;
            minimum = 0x800;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            cp = lead & 0x07;
            minimum = 0x10000;
        } else {
            return fail(Failure::Invalid, "invalid UTF-8");
        }
        if (m_end - m_pos < length)
            return fail(Failure::Invalid, "truncated UTF-8");
        for (int i = 1; i < length; ++i) {
            const auto next = static_cast<unsigned char>(m_pos[i]);
            if ((next & 0xC0) != 0x80)
                return fail(Failure::Invalid, "invalid UTF-8");
            cp = (cp << 6) | (next & 0x3F);
        }
        if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(Failure::Invalid, "invalid UTF-8");
        m_pos += length;
        *codePoint = cp;
        return true;
    }

    static void append(QString *out, char32_t cp)
    {
        if (!out)
            return;
        if (cp >= 0x10000) {
            out->append(QChar(QChar::highSurrogate(cp)));
            out->append(QChar(QChar::lowSurrogate(cp)));
        } else {
            out->append(QChar(static_cast<char16_t>(cp)));
        }
    }

    // A string starting at the opening quote; its decoded text goes to out
    // when out is not null.
    bool string(QString *out)
    {
        ++m_pos; // the opening quote
        while (true) {
            if (m_pos == m_end)
                return fail(Failure::Invalid, "unterminated string");
            const auto c = static_cast<unsigned char>(*m_pos);
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (c < 0x20)
                return fail(Failure::Invalid, "control character in a string");
            if (c >= 0x80) {
                char32_t cp = 0;
                if (!utf8Sequence(&cp))
                    return false;
                append(out, cp);
                continue;
            }
            if (c != '\\') {
                append(out, c);
                ++m_pos;
                continue;
            }
            ++m_pos;
            if (m_pos == m_end)
                return fail(Failure::Invalid, "unterminated escape");
            const char escape = *m_pos++;
            switch (escape) {
            case '"':
            case '\\':
            case '/':
                append(out, static_cast<char32_t>(escape));
                break;
            case 'b':
                append(out, U'\b');
                break;
            case 'f':
                append(out, U'\f');
                break;
            case 'n':
                append(out, U'\n');
                break;
            case 'r':
                append(out, U'\r');
                break;
            case 't':
                append(out, U'\t');
                break;
            case 'u': {
                const int unit = hex4();
                if (unit < 0)
                    return fail(Failure::Invalid, "invalid \\u escape");
                if (unit >= 0xDC00 && unit <= 0xDFFF)
                    return fail(Failure::Invalid, "lone low surrogate escape");
                if (unit >= 0xD800 && unit <= 0xDBFF) {
                    if (m_end - m_pos < 2 || m_pos[0] != '\\' || m_pos[1] != 'u')
                        return fail(Failure::Invalid, "lone high surrogate escape");
                    m_pos += 2;
                    const int low = hex4();
                    if (low < 0xDC00 || low > 0xDFFF)
                        return fail(Failure::Invalid, "lone high surrogate escape");
                    append(out,
                           QChar::surrogateToUcs4(static_cast<char16_t>(unit),
                                                  static_cast<char16_t>(low)));
                } else {
                    append(out, static_cast<char32_t>(unit));
                }
                break;
            }
            default:
                return fail(Failure::Invalid, "invalid escape");
            }
        }
    }

    bool object(int depth)
    {
        if (depth > maxDepth)
            return fail(Failure::TooDeep, "nesting too deep");
        ++m_pos; // {
        skipWhitespace();
        if (m_pos != m_end && *m_pos == '}') {
            ++m_pos;
            return true;
        }
        QSet<QString> names;
        while (true) {
            skipWhitespace();
            if (m_pos == m_end || *m_pos != '"')
                return fail(Failure::Invalid, "expected a member name");
            QString name;
            if (!string(&name))
                return false;
            if (names.contains(name))
                return fail(Failure::Duplicate, "duplicate member name");
            names.insert(name);
            skipWhitespace();
            if (m_pos == m_end || *m_pos != ':')
                return fail(Failure::Invalid, "expected ':'");
            ++m_pos;
            skipWhitespace();
            if (!value(depth))
                return false;
            skipWhitespace();
            if (m_pos == m_end)
                return fail(Failure::Invalid, "unterminated object");
            if (*m_pos == '}') {
                ++m_pos;
                return true;
            }
            if (*m_pos != ',')
                return fail(Failure::Invalid, "expected ',' or '}'");
            ++m_pos;
        }
    }

    bool array(int depth)
    {
        if (depth > maxDepth)
            return fail(Failure::TooDeep, "nesting too deep");
        ++m_pos; // [
        skipWhitespace();
        if (m_pos != m_end && *m_pos == ']') {
            ++m_pos;
            return true;
        }
        while (true) {
            skipWhitespace();
            if (!value(depth))
                return false;
            skipWhitespace();
            if (m_pos == m_end)
                return fail(Failure::Invalid, "unterminated array");
            if (*m_pos == ']') {
                ++m_pos;
                return true;
            }
            if (*m_pos != ',')
                return fail(Failure::Invalid, "expected ',' or ']'");
            ++m_pos;
        }
    }

    const char *m_pos;
    const char *m_end;
    Failure m_failure = Failure::None;
    const char *m_reason = "";
};

} // namespace

Result<QJsonObject> parseObject(QByteArrayView text, const QString &codePrefix)
{
    Scanner scanner(text);
    if (!scanner.document()) {
        const QString reason = QString::fromLatin1(scanner.reason());
        switch (scanner.failure()) {
        case Failure::Duplicate:
            return Result<QJsonObject>::failure(
                codePrefix + QLatin1String(".duplicate_key"),
                QStringLiteral("The JSON repeats a member name; refused as ambiguous."));
        case Failure::TooDeep:
            return Result<QJsonObject>::failure(
                codePrefix + QLatin1String(".too_deep"),
                QStringLiteral("The JSON nests deeper than %1 levels.").arg(maxDepth));
        case Failure::Invalid:
        case Failure::None:
            break;
        }
        return Result<QJsonObject>::failure(codePrefix + QLatin1String(".invalid_json"),
                                            QStringLiteral("Not valid JSON: %1.").arg(reason));
    }
    // The scanner accepted one value; only an object will do.
    qsizetype first = 0;
    while (first < text.size()
           && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n'
               || text[first] == '\r'))
        ++first;
    if (text[first] != '{') {
        return Result<QJsonObject>::failure(codePrefix + QLatin1String(".not_object"),
                                            QStringLiteral("The JSON is not an object."));
    }
    QJsonParseError error {};
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromRawData(text.data(), text.size()), &error);
    if (error.error != QJsonParseError::NoError) {
        return Result<QJsonObject>::failure(
            codePrefix + QLatin1String(".invalid_json"),
            QStringLiteral("Not valid JSON: %1.").arg(error.errorString()));
    }
    if (!document.isObject()) {
        return Result<QJsonObject>::failure(codePrefix + QLatin1String(".not_object"),
                                            QStringLiteral("The JSON is not an object."));
    }
    return document.object();
}

} // namespace ProxySmart::Jose::StrictJson
