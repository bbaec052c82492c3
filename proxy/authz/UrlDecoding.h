#pragma once

#include <QString>
#include <QStringView>

namespace ProxySmart::Authz {

// Strict percent-decoding for untrusted query strings and scopes: a `%` not
// followed by two hex digits, bytes that are not valid UTF-8, and control
// characters (including NUL) are refused rather than passed on.
class UrlDecoding
{
public:
    // Decodes `input` into `output`; `+` becomes a space when plusIsSpace
    // (application/x-www-form-urlencoded and query strings). Returns false,
    // leaving `output` unspecified, when the input is malformed.
    static bool decode(QStringView input, bool plusIsSpace, QString *output);
    // Whether the text holds a character below 0x20 or DEL.
    static bool hasControlCharacter(QStringView text);
};

} // namespace ProxySmart::Authz
