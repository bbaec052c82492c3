#include "jose/JwsAlgorithm.h"

namespace ProxySmart::Jose {

namespace {

struct AlgorithmInfo
{
    JwsAlgorithm algorithm;
    QStringView name;
    KeyType keyType;
    const char *digest;
    int digestSize;
};

constexpr AlgorithmInfo algorithms[] = {
    {JwsAlgorithm::RS256, u"RS256", KeyType::Rsa, "SHA256", 32},
    {JwsAlgorithm::RS384, u"RS384", KeyType::Rsa, "SHA384", 48},
    {JwsAlgorithm::RS512, u"RS512", KeyType::Rsa, "SHA512", 64},
    {JwsAlgorithm::PS256, u"PS256", KeyType::Rsa, "SHA256", 32},
    {JwsAlgorithm::PS384, u"PS384", KeyType::Rsa, "SHA384", 48},
    {JwsAlgorithm::PS512, u"PS512", KeyType::Rsa, "SHA512", 64},
    {JwsAlgorithm::ES256, u"ES256", KeyType::Ec, "SHA256", 32},
    {JwsAlgorithm::ES384, u"ES384", KeyType::Ec, "SHA384", 48},
    {JwsAlgorithm::ES512, u"ES512", KeyType::Ec, "SHA512", 64},
    {JwsAlgorithm::EdDSA, u"EdDSA", KeyType::Okp, "", 0},
    {JwsAlgorithm::HS256, u"HS256", KeyType::Oct, "SHA256", 32},
    {JwsAlgorithm::HS384, u"HS384", KeyType::Oct, "SHA384", 48},
    {JwsAlgorithm::HS512, u"HS512", KeyType::Oct, "SHA512", 64},
};

const AlgorithmInfo &info(JwsAlgorithm algorithm)
{
    for (const AlgorithmInfo &entry : algorithms) {
        if (entry.algorithm == algorithm)
            return entry;
    }
    Q_UNREACHABLE();
}

} // namespace

std::optional<JwsAlgorithm> jwsAlgorithmFromName(QStringView name)
{
    for (const AlgorithmInfo &entry : algorithms) {
        if (entry.name == name)
            return entry.algorithm;
    }
    return std::nullopt;
}

QString jwsAlgorithmName(JwsAlgorithm algorithm)
{
    return info(algorithm).name.toString();
}

KeyType keyTypeFor(JwsAlgorithm algorithm)
{
    return info(algorithm).keyType;
}

bool isHmac(JwsAlgorithm algorithm)
{
    return keyTypeFor(algorithm) == KeyType::Oct;
}

bool isRsaPss(JwsAlgorithm algorithm)
{
    return algorithm == JwsAlgorithm::PS256 || algorithm == JwsAlgorithm::PS384
        || algorithm == JwsAlgorithm::PS512;
}

const char *digestNameFor(JwsAlgorithm algorithm)
{
    return info(algorithm).digest;
}

int digestSizeFor(JwsAlgorithm algorithm)
{
    return info(algorithm).digestSize;
}

QString curveFor(JwsAlgorithm algorithm)
{
    switch (algorithm) {
    case JwsAlgorithm::ES256:
        return QStringLiteral("P-256");
    case JwsAlgorithm::ES384:
        return QStringLiteral("P-384");
    case JwsAlgorithm::ES512:
        return QStringLiteral("P-521");
    case JwsAlgorithm::EdDSA:
        return QStringLiteral("Ed25519");
    default:
        return {};
    }
}

const char *groupNameFor(JwsAlgorithm algorithm)
{
    switch (algorithm) {
    case JwsAlgorithm::ES256:
        return "prime256v1";
    case JwsAlgorithm::ES384:
        return "secp384r1";
    case JwsAlgorithm::ES512:
        return "secp521r1";
    default:
        return "";
    }
}

int coordinateSizeFor(JwsAlgorithm algorithm)
{
    switch (algorithm) {
    case JwsAlgorithm::ES256:
        return 32;
    case JwsAlgorithm::ES384:
        return 48;
    case JwsAlgorithm::ES512:
        return 66;
    default:
        return 0;
    }
}

QList<JwsAlgorithm> asymmetricAlgorithms()
{
    QList<JwsAlgorithm> list;
    for (const AlgorithmInfo &entry : algorithms) {
        if (entry.keyType != KeyType::Oct)
            list.append(entry.algorithm);
    }
    return list;
}

QList<JwsAlgorithm> hmacAlgorithms()
{
    return {JwsAlgorithm::HS256, JwsAlgorithm::HS384, JwsAlgorithm::HS512};
}

} // namespace ProxySmart::Jose
