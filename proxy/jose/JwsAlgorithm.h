#pragma once

#include <QList>
#include <QString>

#include <optional>

namespace ProxySmart::Jose {

// The JWS "alg" values this layer knows (RFC 7518, RFC 8037). "none" is not
// one of them: an unsecured token is never accepted.
enum class JwsAlgorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
    HS256,
    HS384,
    HS512,
};

// The JWK "kty" a key must have for an algorithm.
enum class KeyType { Rsa, Ec, Okp, Oct };

// Case-sensitive, as RFC 7515 requires.
std::optional<JwsAlgorithm> jwsAlgorithmFromName(QStringView name);
QString jwsAlgorithmName(JwsAlgorithm algorithm);

KeyType keyTypeFor(JwsAlgorithm algorithm);
bool isHmac(JwsAlgorithm algorithm);
bool isRsaPss(JwsAlgorithm algorithm);

// OpenSSL's digest name ("SHA256" …); empty for EdDSA, which hashes itself.
const char *digestNameFor(JwsAlgorithm algorithm);
// The digest's output size in bytes (0 for EdDSA).
int digestSizeFor(JwsAlgorithm algorithm);

// For ES*: the JWK curve ("P-256" …), OpenSSL's group name and the size of
// one coordinate (and of R and S) in bytes. Empty / 0 for other algorithms.
QString curveFor(JwsAlgorithm algorithm);
const char *groupNameFor(JwsAlgorithm algorithm);
int coordinateSizeFor(JwsAlgorithm algorithm);

// Every signature algorithm that uses a public key (not HMAC).
QList<JwsAlgorithm> asymmetricAlgorithms();
QList<JwsAlgorithm> hmacAlgorithms();

} // namespace ProxySmart::Jose
