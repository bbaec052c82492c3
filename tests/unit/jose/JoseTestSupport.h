#pragma once

// Builds JWS tokens for the jose tests, including deliberately broken ones.
#include "jose/Base64Url.h"
#include "jose/JwsCrypto.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace ProxySmart::Jose::TestSupport {

inline QByteArray b64(QByteArrayView bytes)
{
    return Base64Url::encode(bytes);
}

inline QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// A header as JSON text: {"alg":…,"kid":…} plus extra members.
inline QByteArray header(const QString &alg, const QString &kid = {}, const QJsonObject &extra = {})
{
    QJsonObject object = extra;
    object.insert(QLatin1String("alg"), alg);
    if (!kid.isEmpty())
        object.insert(QLatin1String("kid"), kid);
    return compact(object);
}

// header.payload.signature with the texts given verbatim.
inline QByteArray signedToken(const QByteArray &headerText, const QByteArray &payloadText,
                              JwsAlgorithm algorithm, EVP_PKEY *key)
{
    const QByteArray input = b64(headerText) + '.' + b64(payloadText);
    auto signature = JwsCrypto::sign(algorithm, key, input);
    if (!signature)
        qFatal("test token signing failed: %s", qPrintable(signature.error().message));
    return input + '.' + b64(signature.value());
}

inline QByteArray hmacToken(const QByteArray &headerText, const QByteArray &payloadText,
                            JwsAlgorithm algorithm, const QByteArray &secret)
{
    const QByteArray input = b64(headerText) + '.' + b64(payloadText);
    auto signature = JwsCrypto::signHmac(algorithm, secret, input);
    if (!signature)
        qFatal("test token MAC failed");
    return input + '.' + b64(signature.value());
}

// The same base64url text with the unused low bits of its last character set:
// it decodes to the same bytes with a lenient decoder. text.size() % 4 must
// be 2 or 3.
inline QByteArray withUnusedBitsSet(QByteArray text)
{
    static const QByteArray alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const int mask = text.size() % 4 == 2 ? 0x0F : 0x03;
    const int value = static_cast<int>(alphabet.indexOf(text.back()));
    text.back() = alphabet.at(value | mask);
    return text;
}

// The three parts of a compact token.
inline QList<QByteArray> parts(const QByteArray &token)
{
    return token.split('.');
}

} // namespace ProxySmart::Jose::TestSupport
