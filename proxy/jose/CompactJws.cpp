#include "jose/CompactJws.h"

#include "jose/Base64Url.h"
#include "jose/StrictJson.h"

#include <QJsonArray>

namespace ProxySmart::Jose {

namespace {

Result<CompactJws> refuse(const char *code, const QString &message)
{
    return Result<CompactJws>::failure(QString::fromLatin1(code), message);
}

} // namespace

Result<CompactJws> CompactJws::parse(QByteArrayView token, qsizetype maxBytes)
{
    if (token.isEmpty())
        return refuse("jws.empty", QStringLiteral("The token is empty."));
    if (token.size() > maxBytes) {
        return refuse("jws.too_large",
                      QStringLiteral("The token has more than %1 bytes.").arg(maxBytes));
    }
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
        return refuse("jws.malformed",
                      QStringLiteral("A compact JWS has exactly three parts separated by dots."));
    }
    const QByteArrayView headerText = token.first(firstDot);
    const QByteArrayView payloadText = token.sliced(firstDot + 1, secondDot - firstDot - 1);
    const QByteArrayView signatureText = token.sliced(secondDot + 1);
    if (headerText.isEmpty())
        return refuse("jws.malformed", QStringLiteral("The JWS header part is empty."));

    const auto headerBytes = Base64Url::decode(headerText);
    if (!headerBytes) {
        return refuse("jws.header.bad_base64url",
                      QStringLiteral("The header is not strict unpadded base64url."));
    }
    auto header = StrictJson::parseObject(*headerBytes, QStringLiteral("jws.header"));
    if (!header)
        return header.error();

    CompactJws jws;
    jws.header = header.value();
    const QJsonObject &h = jws.header;

    const QJsonValue alg = h.value(QLatin1String("alg"));
    if (alg.isUndefined())
        return refuse("jws.alg_missing", QStringLiteral("The header has no \"alg\"."));
    if (!alg.isString())
        return refuse("jws.alg_invalid", QStringLiteral("The header's \"alg\" is not a string."));
    const QString algName = alg.toString();
    if (algName.compare(u"none", Qt::CaseInsensitive) == 0) {
        return refuse("jws.alg_none",
                      QStringLiteral("Unsecured tokens (alg \"none\") are never accepted."));
    }
    const auto algorithm = jwsAlgorithmFromName(algName);
    if (!algorithm) {
        return refuse("jws.alg_unsupported",
                      QStringLiteral("Algorithm \"%1\" is not supported.").arg(algName.left(32)));
    }
    jws.algorithm = *algorithm;

    if (h.contains(QLatin1String("enc"))) {
        return refuse("jws.encrypted_unsupported",
                      QStringLiteral("The header is a JWE header; encrypted tokens are not "
                                     "accepted."));
    }
    if (h.contains(QLatin1String("crit"))) {
        const QJsonValue crit = h.value(QLatin1String("crit"));
        const QJsonArray names = crit.toArray();
        bool wellFormed = crit.isArray() && !names.isEmpty();
        for (const QJsonValue &name : names)
            wellFormed = wellFormed && name.isString() && !name.toString().isEmpty();
        if (!wellFormed) {
            return refuse("jws.crit_invalid",
                          QStringLiteral("\"crit\" must be a non-empty array of names."));
        }
        return refuse("jws.crit_unsupported",
                      QStringLiteral("The token requires extension \"%1\", which is not "
                                     "understood.")
                          .arg(names.first().toString().left(32)));
    }
    if (h.contains(QLatin1String("b64")) && h.value(QLatin1String("b64")) != QJsonValue(true)) {
        return refuse("jws.b64_unsupported",
                      QStringLiteral("Unencoded payloads (RFC 7797) are not accepted."));
    }
    if (h.contains(QLatin1String("kid"))) {
        const QJsonValue kid = h.value(QLatin1String("kid"));
        if (!kid.isString())
            return refuse("jws.kid_invalid",
                          QStringLiteral("The header's \"kid\" is not a string."));
        jws.keyId = kid.toString();
    }
    if (h.contains(QLatin1String("typ"))) {
        const QJsonValue typ = h.value(QLatin1String("typ"));
        if (!typ.isString())
            return refuse("jws.typ_invalid",
                          QStringLiteral("The header's \"typ\" is not a string."));
        jws.type = typ.toString();
    }

    auto payload = Base64Url::decode(payloadText);
    if (!payload) {
        return refuse("jws.payload.bad_base64url",
                      QStringLiteral("The payload is not strict unpadded base64url."));
    }
    auto signature = Base64Url::decode(signatureText);
    if (!signature) {
        return refuse("jws.signature.bad_base64url",
                      QStringLiteral("The signature is not strict unpadded base64url."));
    }
    if (signature->isEmpty())
        return refuse("jws.signature_missing", QStringLiteral("The token has no signature."));
    jws.payload = std::move(*payload);
    jws.signature = std::move(*signature);
    jws.signingInput = token.first(secondDot).toByteArray();
    return jws;
}

} // namespace ProxySmart::Jose
