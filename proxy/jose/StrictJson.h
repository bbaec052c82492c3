#pragma once

#include "core/Result.h"

#include <QByteArrayView>
#include <QJsonObject>

namespace ProxySmart::Jose::StrictJson {

// The deepest nesting of objects and arrays accepted.
inline constexpr int maxDepth = 32;

// Parses text that must be exactly one JSON object (RFC 8259), refusing what
// QJsonDocument would quietly accept or repair: a member name repeated in any
// object at any depth (also when spelled with escapes), invalid UTF-8, lone
// surrogate escapes, control characters in strings, nesting deeper than
// maxDepth and anything after the object but whitespace.
//
// Error codes are codePrefix followed by ".invalid_json", ".duplicate_key",
// ".too_deep" or ".not_object".
Result<QJsonObject> parseObject(QByteArrayView text, const QString &codePrefix);

} // namespace ProxySmart::Jose::StrictJson
