#pragma once

#include "core/Result.h"
#include "jose/JwsAlgorithm.h"
#include "jose/OpenSslHandles.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace ProxySmart::Jose {

// One public key from a JWK (RFC 7517/7518/8037): RSA, EC on P-256, P-384 or
// P-521, or OKP Ed25519, held as an OpenSSL key that several threads may use
// at once. Symmetric ("oct") keys and keys carrying private members are
// refused: a key set is public, and a secret in one means something is wrong.
class Jwk
{
public:
    static constexpr int minRsaBits = 2048;
    static constexpr int maxRsaBits = 8192;

    // Parses and checks one JWK. Error codes: jwk.invalid_member,
    // jwk.unsupported_kty, jwk.unsupported_curve, jwk.unsupported_alg,
    // jwk.alg_mismatch, jwk.not_for_signing, jwk.private_material,
    // jwk.invalid_rsa, jwk.rsa_too_small, jwk.rsa_too_large, jwk.invalid_ec,
    // jwk.invalid_okp.
    static Result<Jwk> fromJson(const QJsonObject &object);

    // The public JWK of an OpenSSL key (private or public). The key id defaults
    // to the RFC 7638 thumbprint.
    static Result<Jwk> fromKey(EVP_PKEY *key, const QString &keyId = {},
                               std::optional<JwsAlgorithm> algorithm = std::nullopt);

    KeyType keyType() const { return m_keyType; }
    // Empty when the JWK has no "kid".
    QString keyId() const { return m_keyId; }
    bool hasKeyId() const { return m_hasKeyId; }
    // "P-256", "P-384", "P-521", "Ed25519"; empty for RSA.
    QString curve() const { return m_curve; }
    // The JWK's "alg" when it names one.
    std::optional<JwsAlgorithm> algorithm() const { return m_algorithm; }
    int bits() const { return m_bits; }

    // Whether a signature made with algorithm may be checked with this key:
    // the key type and curve fit the algorithm, and the JWK's own "alg", when
    // present, is that algorithm.
    bool isCompatibleWith(JwsAlgorithm algorithm) const;

    EVP_PKEY *pkey() const { return m_key.get(); }

    // RFC 7638 JWK thumbprint (SHA-256, base64url): identifies the key
    // material whatever its "kid".
    QByteArray thumbprint() const { return m_thumbprint; }

    // The public members, in a form other parties can parse.
    QJsonObject toJson() const;

private:
    KeyType m_keyType = KeyType::Rsa;
    QString m_keyId;
    bool m_hasKeyId = false;
    QString m_curve;
    std::optional<JwsAlgorithm> m_algorithm;
    QString m_use;
    int m_bits = 0;
    // Normalised base64url members: n and e for RSA, x (and y) otherwise.
    QByteArray m_first;
    QByteArray m_second;
    QByteArray m_thumbprint;
    SharedPkey m_key;
};

} // namespace ProxySmart::Jose
