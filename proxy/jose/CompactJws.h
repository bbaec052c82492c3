#pragma once

#include "core/Result.h"
#include "jose/JwsAlgorithm.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace ProxySmart::Jose {

// A JWS in compact serialisation (RFC 7515 section 7.1), parsed but not yet
// verified. Parsing refuses, with a reason code, everything RFC 8725 warns
// about before any key is touched: oversized input, anything but three
// strictly base64url-encoded parts, a header that is not one unambiguous
// JSON object, "none" and unknown algorithms, "crit" (no extension is
// understood), "b64" other than true, and encrypted (JWE) headers. The
// header members "jwk", "jku", "x5u" and "x5c" are never read: keys come
// from configuration only.
struct CompactJws
{
    static constexpr qsizetype defaultMaxBytes = 16 * 1024;

    QJsonObject header;
    JwsAlgorithm algorithm = JwsAlgorithm::RS256;
    std::optional<QString> keyId;
    std::optional<QString> type;
    QByteArray payload;
    // header "." payload, exactly as received: what the signature covers.
    QByteArray signingInput;
    QByteArray signature;

    static Result<CompactJws> parse(QByteArrayView token, qsizetype maxBytes = defaultMaxBytes);
};

} // namespace ProxySmart::Jose
