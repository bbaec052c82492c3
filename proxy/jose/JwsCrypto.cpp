#include "jose/JwsCrypto.h"

#include "jose/Jwk.h"
#include "jose/OpenSslHandles.h"

#include <QString>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

namespace ProxySmart::Jose::JwsCrypto {

namespace {

Error error(const char *code, const QString &message)
{
    return Error {QString::fromLatin1(code), message};
}

const unsigned char *bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char *>(view.data());
}

// Sets RSA padding for RS* (PKCS #1 v1.5) or PS* (PSS, MGF1 with the same
// digest, salt as long as the digest, as RFC 7518 section 3.5 requires).
bool setRsaPadding(JwsAlgorithm algorithm, EVP_PKEY_CTX *context)
{
    if (!isRsaPss(algorithm))
        return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1;
    return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1
        && EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) == 1
        && EVP_PKEY_CTX_set_rsa_mgf1_md_name(context, digestNameFor(algorithm), nullptr) == 1;
}

// Raw R||S to the DER ECDSA-Sig-Value OpenSSL checks.
QByteArray rawToDer(QByteArrayView raw)
{
    const int half = static_cast<int>(raw.size() / 2);
    BignumPtr r(BN_bin2bn(bytes(raw), half, nullptr));
    BignumPtr s(BN_bin2bn(bytes(raw) + half, half, nullptr));
    EcdsaSigPtr signature(ECDSA_SIG_new());
    if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1)
        return {};
    r.release(); // owned by signature now
    s.release();
    const int length = i2d_ECDSA_SIG(signature.get(), nullptr);
    if (length <= 0)
        return {};
    QByteArray der(length, '\0');
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_ECDSA_SIG(signature.get(), &out) != length)
        return {};
    return der;
}

QByteArray derToRaw(QByteArrayView der, int half)
{
    const unsigned char *in = bytes(der);
    EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
    if (!signature)
        return {};
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(signature.get(), &r, &s);
    QByteArray raw(half * 2, '\0');
    auto *out = reinterpret_cast<unsigned char *>(raw.data());
    if (BN_bn2binpad(r, out, half) != half || BN_bn2binpad(s, out + half, half) != half)
        return {};
    return raw;
}

bool hmac(JwsAlgorithm algorithm, QByteArrayView secret, QByteArrayView input, QByteArray *out)
{
    EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac)
        return false;
    EvpMacCtxPtr context(EVP_MAC_CTX_new(mac.get()));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char *>(digestNameFor(algorithm)), 0),
        OSSL_PARAM_construct_end()};
    out->resize(digestSizeFor(algorithm));
    size_t length = 0;
    return context
        && EVP_MAC_init(context.get(), bytes(secret), static_cast<size_t>(secret.size()), params)
        == 1
        && EVP_MAC_update(context.get(), bytes(input), static_cast<size_t>(input.size())) == 1
        && EVP_MAC_final(context.get(), reinterpret_cast<unsigned char *>(out->data()), &length,
                         static_cast<size_t>(out->size()))
        == 1
        && length == static_cast<size_t>(out->size());
}

} // namespace

bool keyFits(JwsAlgorithm algorithm, EVP_PKEY *key)
{
    if (!key)
        return false;
    switch (keyTypeFor(algorithm)) {
    case KeyType::Rsa:
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= Jwk::minRsaBits;
    case KeyType::Ec: {
        if (!EVP_PKEY_is_a(key, "EC"))
            return false;
        char group[64] = {};
        size_t length = 0;
        return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                              &length)
            == 1
            && qstrcmp(group, groupNameFor(algorithm)) == 0;
    }
    case KeyType::Okp:
        return EVP_PKEY_is_a(key, "ED25519");
    case KeyType::Oct:
        return false;
    }
    return false;
}

std::optional<Error> verify(JwsAlgorithm algorithm, EVP_PKEY *key, QByteArrayView signingInput,
                            QByteArrayView signature)
{
    if (isHmac(algorithm) || !keyFits(algorithm, key)) {
        return error(
            "jws.key_alg_mismatch",
            QStringLiteral("The key does not fit algorithm %1.").arg(jwsAlgorithmName(algorithm)));
    }
    qsizetype expectedLength = 0;
    switch (keyTypeFor(algorithm)) {
    case KeyType::Rsa:
        expectedLength = EVP_PKEY_get_size(key);
        break;
    case KeyType::Ec:
        expectedLength = 2 * coordinateSizeFor(algorithm);
        break;
    case KeyType::Okp:
        expectedLength = 64;
        break;
    case KeyType::Oct:
        break;
    }
    if (signature.size() != expectedLength) {
        return error("jws.signature_length_mismatch",
                     QStringLiteral("A %1 signature with this key has %2 bytes, not %3.")
                         .arg(jwsAlgorithmName(algorithm))
                         .arg(expectedLength)
                         .arg(signature.size()));
    }

    QByteArray der;
    QByteArrayView checked = signature;
    if (keyTypeFor(algorithm) == KeyType::Ec) {
        der = rawToDer(signature);
        if (der.isEmpty())
            return error("jws.signature_invalid", QStringLiteral("The signature does not verify."));
        checked = der;
    }

    EvpMdCtxPtr context(EVP_MD_CTX_new());
    EVP_PKEY_CTX *keyContext = nullptr;
    const bool isEdDsa = algorithm == JwsAlgorithm::EdDSA;
    if (!context
        || EVP_DigestVerifyInit_ex(context.get(), &keyContext,
                                   isEdDsa ? nullptr : digestNameFor(algorithm), nullptr, nullptr,
                                   key, nullptr)
            != 1
        || (keyTypeFor(algorithm) == KeyType::Rsa && !setRsaPadding(algorithm, keyContext))) {
        return error("jws.signature_invalid",
                     QStringLiteral("The signature could not be checked."));
    }
    const int verified =
        EVP_DigestVerify(context.get(), bytes(checked), static_cast<size_t>(checked.size()),
                         bytes(signingInput), static_cast<size_t>(signingInput.size()));
    if (verified != 1)
        return error("jws.signature_invalid", QStringLiteral("The signature does not verify."));
    return std::nullopt;
}

std::optional<Error> verifyHmac(JwsAlgorithm algorithm, QByteArrayView secret,
                                QByteArrayView signingInput, QByteArrayView signature)
{
    if (!isHmac(algorithm) || secret.isEmpty()) {
        return error(
            "jws.key_alg_mismatch",
            QStringLiteral("No shared secret fits algorithm %1.").arg(jwsAlgorithmName(algorithm)));
    }
    if (signature.size() != digestSizeFor(algorithm)) {
        return error("jws.signature_length_mismatch",
                     QStringLiteral("A %1 signature has %2 bytes, not %3.")
                         .arg(jwsAlgorithmName(algorithm))
                         .arg(digestSizeFor(algorithm))
                         .arg(signature.size()));
    }
    QByteArray expected;
    if (!hmac(algorithm, secret, signingInput, &expected))
        return error("jws.signature_invalid", QStringLiteral("The MAC could not be computed."));
    if (CRYPTO_memcmp(expected.constData(), signature.data(), static_cast<size_t>(expected.size()))
        != 0)
        return error("jws.signature_invalid", QStringLiteral("The signature does not verify."));
    return std::nullopt;
}

Result<QByteArray> sign(JwsAlgorithm algorithm, EVP_PKEY *privateKey, QByteArrayView signingInput)
{
    if (isHmac(algorithm) || !keyFits(algorithm, privateKey)) {
        return Result<QByteArray>::failure(
            QStringLiteral("sign.key_alg_mismatch"),
            QStringLiteral("The key does not fit algorithm %1.").arg(jwsAlgorithmName(algorithm)));
    }
    EvpMdCtxPtr context(EVP_MD_CTX_new());
    EVP_PKEY_CTX *keyContext = nullptr;
    const bool isEdDsa = algorithm == JwsAlgorithm::EdDSA;
    size_t length = 0;
    if (!context
        || EVP_DigestSignInit_ex(context.get(), &keyContext,
                                 isEdDsa ? nullptr : digestNameFor(algorithm), nullptr, nullptr,
                                 privateKey, nullptr)
            != 1
        || (keyTypeFor(algorithm) == KeyType::Rsa && !setRsaPadding(algorithm, keyContext))
        || EVP_DigestSign(context.get(), nullptr, &length, bytes(signingInput),
                          static_cast<size_t>(signingInput.size()))
            != 1) {
        return Result<QByteArray>::failure(QStringLiteral("sign.failed"),
                                           QStringLiteral("OpenSSL could not sign."));
    }
    QByteArray signature(static_cast<qsizetype>(length), '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                       bytes(signingInput), static_cast<size_t>(signingInput.size()))
        != 1) {
        return Result<QByteArray>::failure(QStringLiteral("sign.failed"),
                                           QStringLiteral("OpenSSL could not sign."));
    }
    signature.resize(static_cast<qsizetype>(length));
    if (keyTypeFor(algorithm) == KeyType::Ec) {
        signature = derToRaw(signature, coordinateSizeFor(algorithm));
        if (signature.isEmpty())
            return Result<QByteArray>::failure(QStringLiteral("sign.failed"),
                                               QStringLiteral("OpenSSL made an unreadable ECDSA "
                                                              "signature."));
    }
    return signature;
}

Result<QByteArray> signHmac(JwsAlgorithm algorithm, QByteArrayView secret,
                            QByteArrayView signingInput)
{
    QByteArray mac;
    if (!isHmac(algorithm) || secret.isEmpty() || !hmac(algorithm, secret, signingInput, &mac)) {
        return Result<QByteArray>::failure(QStringLiteral("sign.failed"),
                                           QStringLiteral("Could not compute the MAC."));
    }
    return mac;
}

} // namespace ProxySmart::Jose::JwsCrypto
