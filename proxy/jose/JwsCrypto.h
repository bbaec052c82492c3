#pragma once

#include "core/Result.h"
#include "jose/JwsAlgorithm.h"

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

#include <openssl/types.h>

// Signature creation and checking for JWS on OpenSSL 3's EVP API. Signatures
// are in JWS form: RSA as the modulus-sized octet string, ECDSA as R||S with
// each half the curve's size (RFC 7518 section 3.4), Ed25519 as 64 bytes.
namespace ProxySmart::Jose::JwsCrypto {

// Checks signature over signingInput with a public key. Refuses when the key's
// type or curve does not fit the algorithm (jws.key_alg_mismatch, also for
// RSA keys under 2048 bits), when the signature has the wrong length for it
// (jws.signature_length_mismatch) and when it does not verify
// (jws.signature_invalid). Returns nothing on success.
std::optional<Error> verify(JwsAlgorithm algorithm, EVP_PKEY *key, QByteArrayView signingInput,
                            QByteArrayView signature);

// Checks an HMAC (HS256/384/512) in constant time.
std::optional<Error> verifyHmac(JwsAlgorithm algorithm, QByteArrayView secret,
                                QByteArrayView signingInput, QByteArrayView signature);

// Signs signingInput with a private key.
Result<QByteArray> sign(JwsAlgorithm algorithm, EVP_PKEY *privateKey, QByteArrayView signingInput);
Result<QByteArray> signHmac(JwsAlgorithm algorithm, QByteArrayView secret,
                            QByteArrayView signingInput);

// Whether key is of the type (and curve) algorithm needs.
bool keyFits(JwsAlgorithm algorithm, EVP_PKEY *key);

} // namespace ProxySmart::Jose::JwsCrypto
