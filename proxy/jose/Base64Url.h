#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace ProxySmart::Jose::Base64Url {

// base64url without padding (RFC 7515 section 2).
QByteArray encode(QByteArrayView data);

// Strict decoding: only the base64url alphabet, no padding, no whitespace, a
// length that base64 can produce, and zero bits in the unused tail, so every
// byte string has exactly one accepted encoding. Nothing on any violation.
std::optional<QByteArray> decode(QByteArrayView text);

// Whether every character is in the base64url alphabet.
bool isAlphabet(QByteArrayView text);

} // namespace ProxySmart::Jose::Base64Url
