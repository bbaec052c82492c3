#include "jose/SigningKey.h"

#include "jose/JwsCrypto.h"

#include <openssl/pem.h>

namespace ProxySmart::Jose {

Result<SigningKey> SigningKey::generate(JwsAlgorithm algorithm, const QString &keyId)
{
    EVP_PKEY *raw = nullptr;
    switch (keyTypeFor(algorithm)) {
    case KeyType::Rsa:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsaBits));
        break;
    case KeyType::Ec:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", groupNameFor(algorithm));
        break;
    case KeyType::Okp:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    case KeyType::Oct:
        return Result<SigningKey>::failure(QStringLiteral("sign.unsupported_alg"),
                                           QStringLiteral("HMAC keys are not generated here."));
    }
    if (!raw) {
        return Result<SigningKey>::failure(QStringLiteral("sign.keygen_failed"),
                                           QStringLiteral("OpenSSL could not generate a key."));
    }
    return fromKey(EvpPkeyPtr(raw), algorithm, keyId);
}

Result<SigningKey> SigningKey::fromPem(QByteArrayView pem, JwsAlgorithm algorithm,
                                       const QString &keyId)
{
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key) {
        return Result<SigningKey>::failure(
            QStringLiteral("sign.invalid_pem"),
            QStringLiteral("The PEM holds no readable private key."));
    }
    return fromKey(std::move(key), algorithm, keyId);
}

Result<SigningKey> SigningKey::fromKey(EvpPkeyPtr key, JwsAlgorithm algorithm, const QString &keyId)
{
    if (isHmac(algorithm) || !JwsCrypto::keyFits(algorithm, key.get())) {
        return Result<SigningKey>::failure(
            QStringLiteral("sign.key_alg_mismatch"),
            QStringLiteral("The key does not fit algorithm %1.").arg(jwsAlgorithmName(algorithm)));
    }
    auto jwk = Jwk::fromKey(key.get(), keyId, algorithm);
    if (!jwk)
        return jwk.error();
    SigningKey signingKey;
    signingKey.m_algorithm = algorithm;
    signingKey.m_key = sharePkey(std::move(key));
    signingKey.m_publicJwk = std::move(jwk).value();
    return signingKey;
}

QByteArray SigningKey::toPem() const
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio
        || PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr)
            != 1)
        return {};
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(length));
}

} // namespace ProxySmart::Jose
