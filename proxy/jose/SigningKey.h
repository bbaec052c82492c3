#pragma once

#include "core/Result.h"
#include "jose/Jwk.h"
#include "jose/JwsAlgorithm.h"
#include "jose/OpenSslHandles.h"

#include <QByteArray>
#include <QString>

namespace ProxySmart::Jose {

// A private key the gateway signs with, its algorithm and key id (the RFC
// 7638 thumbprint of its public key unless given).
class SigningKey
{
public:
    static constexpr int rsaBits = 2048;

    // A fresh key: RSA 2048 for RS*/PS*, the matching curve for ES*, Ed25519
    // for EdDSA. HMAC algorithms are refused (sign.unsupported_alg).
    static Result<SigningKey> generate(JwsAlgorithm algorithm, const QString &keyId = {});
    // A PKCS #8 (or traditional) PEM private key; refused when it does not fit
    // algorithm (sign.key_alg_mismatch) or cannot be read (sign.invalid_pem).
    static Result<SigningKey> fromPem(QByteArrayView pem, JwsAlgorithm algorithm,
                                      const QString &keyId = {});

    JwsAlgorithm algorithm() const { return m_algorithm; }
    QString keyId() const { return m_publicJwk.keyId(); }
    const Jwk &publicJwk() const { return m_publicJwk; }
    EVP_PKEY *pkey() const { return m_key.get(); }

    // Unencrypted PKCS #8 PEM. This is secret: store it like a password.
    QByteArray toPem() const;

private:
    static Result<SigningKey> fromKey(EvpPkeyPtr key, JwsAlgorithm algorithm, const QString &keyId);

    JwsAlgorithm m_algorithm = JwsAlgorithm::ES256;
    SharedPkey m_key;
    Jwk m_publicJwk;
};

} // namespace ProxySmart::Jose
