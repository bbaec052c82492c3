#include "jose/Jwk.h"

#include "jose/Base64Url.h"

#include <QCryptographicHash>
#include <QJsonArray>

#include <openssl/core_names.h>

namespace ProxySmart::Jose {

namespace {

Result<Jwk> refuse(const char *code, const QString &message)
{
    return Result<Jwk>::failure(QString::fromLatin1(code), message);
}

// A base64url member that must be present and decode strictly.
std::optional<QByteArray> binaryMember(const QJsonObject &object, QLatin1String name)
{
    const QJsonValue value = object.value(name);
    if (!value.isString())
        return std::nullopt;
    return Base64Url::decode(value.toString().toLatin1());
}

QByteArray stripLeadingZeros(QByteArray bytes)
{
    qsizetype zeros = 0;
    while (zeros < bytes.size() - 1 && bytes.at(zeros) == '\0')
        ++zeros;
    return bytes.mid(zeros);
}

// RSA public numbers that can belong to a real key: an odd modulus without
// small prime factors, an odd exponent between 2^16 and 2^64. Deterministic,
// unlike OpenSSL's RSA public-key check, whose Miller-Rabin step with random
// bases accepted a malformed modulus on some runs and not on others.
bool rsaNumbersAreSane(const BIGNUM *n, const BIGNUM *e)
{
    static const BignumPtr smallPrimes = [] {
        // The product of the primes below 2000.
        BignumPtr product(BN_new());
        BN_one(product.get());
        for (BN_ULONG candidate = 3; candidate < 2000; candidate += 2) {
            bool prime = true;
            for (BN_ULONG d = 3; d * d <= candidate && prime; d += 2)
                prime = candidate % d != 0;
            if (prime)
                BN_mul_word(product.get(), candidate);
        }
        return product;
    }();
    if (!BN_is_odd(n) || !BN_is_odd(e) || BN_num_bits(e) <= 16 || BN_num_bits(e) > 64
        || BN_cmp(e, n) >= 0)
        return false;
    std::unique_ptr<BN_CTX, OpenSslDeleter<BN_CTX, BN_CTX_free>> context(BN_CTX_new());
    BignumPtr gcd(BN_new());
    return context && gcd && BN_gcd(gcd.get(), n, smallPrimes.get(), context.get()) == 1
        && BN_is_one(gcd.get());
}

// Builds a public key of OpenSSL type `type` from parameters; nothing when
// OpenSSL refuses them or, when check is set, the key fails OpenSSL's
// public-key check (for EC: the point lies on the curve and in the right
// subgroup).
EvpPkeyPtr keyFromParams(const char *type, const OSSL_PARAM *params, bool check = true)
{
    EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!context || EVP_PKEY_fromdata_init(context.get()) != 1)
        return {};
    EVP_PKEY *raw = nullptr;
    if (EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY,
                          const_cast<OSSL_PARAM *>(params))
        != 1)
        return {};
    EvpPkeyPtr key(raw);
    if (!check)
        return key;
    EvpPkeyCtxPtr checker(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!checker || EVP_PKEY_public_check(checker.get()) != 1)
        return {};
    return key;
}

QByteArray sha256Base64Url(const QByteArray &data)
{
    return Base64Url::encode(QCryptographicHash::hash(data, QCryptographicHash::Sha256));
}

} // namespace

Result<Jwk> Jwk::fromJson(const QJsonObject &object)
{
    static const QLatin1String privateMembers[] = {
        QLatin1String("d"),  QLatin1String("p"),  QLatin1String("q"),   QLatin1String("dp"),
        QLatin1String("dq"), QLatin1String("qi"), QLatin1String("oth"), QLatin1String("k")};

    Jwk jwk;
    const QJsonValue kty = object.value(QLatin1String("kty"));
    if (!kty.isString())
        return refuse("jwk.invalid_member", QStringLiteral("The JWK has no \"kty\" string."));
    for (const QLatin1String &member : privateMembers) {
        if (object.contains(member)) {
            return refuse(
                "jwk.private_material",
                QStringLiteral("The JWK carries private key material (\"%1\").").arg(member));
        }
    }
    const QString type = kty.toString();
    if (type == u"RSA") {
        jwk.m_keyType = KeyType::Rsa;
    } else if (type == u"EC") {
        jwk.m_keyType = KeyType::Ec;
    } else if (type == u"OKP") {
        jwk.m_keyType = KeyType::Okp;
    } else {
        return refuse(
            "jwk.unsupported_kty",
            QStringLiteral("Key type \"%1\" is not supported for signatures.").arg(type.left(32)));
    }

    if (object.contains(QLatin1String("kid"))) {
        const QJsonValue kid = object.value(QLatin1String("kid"));
        if (!kid.isString())
            return refuse("jwk.invalid_member",
                          QStringLiteral("The JWK's \"kid\" is not a string."));
        jwk.m_keyId = kid.toString();
        jwk.m_hasKeyId = true;
    }
    if (object.contains(QLatin1String("use"))) {
        const QJsonValue use = object.value(QLatin1String("use"));
        if (!use.isString())
            return refuse("jwk.invalid_member",
                          QStringLiteral("The JWK's \"use\" is not a string."));
        if (use.toString() != u"sig") {
            return refuse("jwk.not_for_signing",
                          QStringLiteral("The JWK is for \"%1\", not signatures.")
                              .arg(use.toString().left(32)));
        }
        jwk.m_use = use.toString();
    }
    if (object.contains(QLatin1String("key_ops"))) {
        const QJsonValue ops = object.value(QLatin1String("key_ops"));
        if (!ops.isArray())
            return refuse("jwk.invalid_member",
                          QStringLiteral("The JWK's \"key_ops\" is not an array."));
        bool verify = false;
        for (const QJsonValue &op : ops.toArray()) {
            if (!op.isString())
                return refuse("jwk.invalid_member",
                              QStringLiteral("The JWK's \"key_ops\" holds a non-string."));
            verify = verify || op.toString() == u"verify";
        }
        if (!verify)
            return refuse("jwk.not_for_signing",
                          QStringLiteral("The JWK's \"key_ops\" does not allow \"verify\"."));
    }
    if (object.contains(QLatin1String("alg"))) {
        const QJsonValue alg = object.value(QLatin1String("alg"));
        if (!alg.isString())
            return refuse("jwk.invalid_member",
                          QStringLiteral("The JWK's \"alg\" is not a string."));
        jwk.m_algorithm = jwsAlgorithmFromName(alg.toString());
        if (!jwk.m_algorithm || isHmac(*jwk.m_algorithm)) {
            return refuse("jwk.unsupported_alg",
                          QStringLiteral("The JWK's algorithm \"%1\" is not a supported signature "
                                         "algorithm.")
                              .arg(alg.toString().left(32)));
        }
        if (keyTypeFor(*jwk.m_algorithm) != jwk.m_keyType)
            return refuse("jwk.alg_mismatch",
                          QStringLiteral("The JWK's \"alg\" does not fit its key type."));
    }

    QByteArray thumbprintInput;
    if (jwk.m_keyType == KeyType::Rsa) {
        const auto n = binaryMember(object, QLatin1String("n"));
        const auto e = binaryMember(object, QLatin1String("e"));
        if (!n || !e || n->isEmpty() || e->isEmpty())
            return refuse("jwk.invalid_rsa",
                          QStringLiteral("The RSA JWK needs base64url \"n\" and \"e\"."));
        const QByteArray modulus = stripLeadingZeros(*n);
        const QByteArray exponent = stripLeadingZeros(*e);
        const int bits = static_cast<int>(modulus.size()) * 8;
        if (bits > maxRsaBits + 8)
            return refuse("jwk.rsa_too_large",
                          QStringLiteral("The RSA key is larger than %1 bits.").arg(maxRsaBits));
        if (exponent.size() > 8)
            return refuse("jwk.invalid_rsa", QStringLiteral("The RSA exponent is too large."));
        BignumPtr bnN(BN_bin2bn(reinterpret_cast<const unsigned char *>(modulus.constData()),
                                static_cast<int>(modulus.size()), nullptr));
        BignumPtr bnE(BN_bin2bn(reinterpret_cast<const unsigned char *>(exponent.constData()),
                                static_cast<int>(exponent.size()), nullptr));
        if (!bnN || !bnE)
            return refuse("jwk.invalid_rsa", QStringLiteral("The RSA JWK could not be read."));
        const int modulusBits = BN_num_bits(bnN.get());
        if (modulusBits < minRsaBits) {
            return refuse("jwk.rsa_too_small",
                          QStringLiteral("The RSA key has %1 bits; at least %2 are required.")
                              .arg(modulusBits)
                              .arg(minRsaBits));
        }
        if (modulusBits > maxRsaBits)
            return refuse("jwk.rsa_too_large",
                          QStringLiteral("The RSA key is larger than %1 bits.").arg(maxRsaBits));
        if (!rsaNumbersAreSane(bnN.get(), bnE.get()))
            return refuse("jwk.invalid_rsa",
                          QStringLiteral("The RSA public key is not valid (modulus or exponent)."));
        OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
        if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bnN.get()) != 1
            || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bnE.get()) != 1)
            return refuse("jwk.invalid_rsa", QStringLiteral("The RSA JWK could not be read."));
        OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
        EvpPkeyPtr key = params ? keyFromParams("RSA", params.get(), false) : EvpPkeyPtr();
        if (!key)
            return refuse("jwk.invalid_rsa",
                          QStringLiteral("The RSA public key is not valid (modulus or exponent)."));
        jwk.m_bits = EVP_PKEY_get_bits(key.get());
        jwk.m_key = sharePkey(std::move(key));
        jwk.m_first = Base64Url::encode(modulus);
        jwk.m_second = Base64Url::encode(exponent);
        thumbprintInput =
            "{\"e\":\"" + jwk.m_second + "\",\"kty\":\"RSA\",\"n\":\"" + jwk.m_first + "\"}";
    } else {
        const QJsonValue crv = object.value(QLatin1String("crv"));
        if (!crv.isString())
            return refuse("jwk.invalid_member", QStringLiteral("The JWK has no \"crv\" string."));
        jwk.m_curve = crv.toString();
        std::optional<JwsAlgorithm> curveAlgorithm;
        for (JwsAlgorithm candidate : asymmetricAlgorithms()) {
            if (keyTypeFor(candidate) == jwk.m_keyType && curveFor(candidate) == jwk.m_curve)
                curveAlgorithm = candidate;
        }
        if (!curveAlgorithm) {
            return refuse("jwk.unsupported_curve",
                          QStringLiteral("Curve \"%1\" is not supported for key type %2.")
                              .arg(jwk.m_curve.left(32), type));
        }
        if (jwk.m_algorithm && *jwk.m_algorithm != *curveAlgorithm)
            return refuse("jwk.alg_mismatch",
                          QStringLiteral("The JWK's \"alg\" does not fit its curve."));
        const auto x = binaryMember(object, QLatin1String("x"));
        if (jwk.m_keyType == KeyType::Ec) {
            const auto y = binaryMember(object, QLatin1String("y"));
            const int size = coordinateSizeFor(*curveAlgorithm);
            if (!x || !y || x->size() != size || y->size() != size) {
                return refuse("jwk.invalid_ec",
                              QStringLiteral("The EC JWK needs base64url \"x\" and \"y\" of %1 "
                                             "bytes each.")
                                  .arg(size));
            }
            const QByteArray point = QByteArray(1, '\x04') + *x + *y;
            OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
            if (!builder
                || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                                   groupNameFor(*curveAlgorithm), 0)
                    != 1
                || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                    point.constData(),
                                                    static_cast<size_t>(point.size()))
                    != 1)
                return refuse("jwk.invalid_ec", QStringLiteral("The EC JWK could not be read."));
            OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
            EvpPkeyPtr key = params ? keyFromParams("EC", params.get()) : EvpPkeyPtr();
            if (!key)
                return refuse("jwk.invalid_ec",
                              QStringLiteral("The EC point is not a valid public key on %1.")
                                  .arg(jwk.m_curve));
            jwk.m_bits = EVP_PKEY_get_bits(key.get());
            jwk.m_key = sharePkey(std::move(key));
            jwk.m_first = Base64Url::encode(*x);
            jwk.m_second = Base64Url::encode(*y);
            thumbprintInput = "{\"crv\":\"" + jwk.m_curve.toLatin1() + "\",\"kty\":\"EC\",\"x\":\""
                + jwk.m_first + "\",\"y\":\"" + jwk.m_second + "\"}";
        } else {
            if (!x || x->size() != 32)
                return refuse(
                    "jwk.invalid_okp",
                    QStringLiteral("The Ed25519 JWK needs a base64url \"x\" of 32 bytes."));
            OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
            if (!builder
                || OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                    x->constData(), static_cast<size_t>(x->size()))
                    != 1)
                return refuse("jwk.invalid_okp", QStringLiteral("The OKP JWK could not be read."));
            OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
            EvpPkeyPtr key = params ? keyFromParams("ED25519", params.get()) : EvpPkeyPtr();
            if (!key)
                return refuse("jwk.invalid_okp", QStringLiteral("The Ed25519 key is not valid."));
            jwk.m_bits = EVP_PKEY_get_bits(key.get());
            jwk.m_key = sharePkey(std::move(key));
            jwk.m_first = Base64Url::encode(*x);
            thumbprintInput = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + jwk.m_first + "\"}";
        }
    }
    jwk.m_thumbprint = sha256Base64Url(thumbprintInput);
    return jwk;
}

Result<Jwk> Jwk::fromKey(EVP_PKEY *key, const QString &keyId, std::optional<JwsAlgorithm> algorithm)
{
    if (!key)
        return refuse("jwk.invalid_member", QStringLiteral("No key."));
    QJsonObject object;
    if (EVP_PKEY_is_a(key, "RSA")) {
        BIGNUM *n = nullptr;
        BIGNUM *e = nullptr;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
        BignumPtr ownedN(n);
        BignumPtr ownedE(e);
        if (!n || !e)
            return refuse("jwk.invalid_rsa", QStringLiteral("The RSA key has no public part."));
        QByteArray nBytes(BN_num_bytes(n), '\0');
        QByteArray eBytes(BN_num_bytes(e), '\0');
        BN_bn2bin(n, reinterpret_cast<unsigned char *>(nBytes.data()));
        BN_bn2bin(e, reinterpret_cast<unsigned char *>(eBytes.data()));
        object.insert(QLatin1String("kty"), QLatin1String("RSA"));
        object.insert(QLatin1String("n"), QString::fromLatin1(Base64Url::encode(nBytes)));
        object.insert(QLatin1String("e"), QString::fromLatin1(Base64Url::encode(eBytes)));
    } else if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        size_t groupLength = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                           &groupLength)
            != 1)
            return refuse("jwk.invalid_ec", QStringLiteral("The EC key has no curve."));
        std::optional<JwsAlgorithm> curveAlgorithm;
        for (JwsAlgorithm candidate :
             {JwsAlgorithm::ES256, JwsAlgorithm::ES384, JwsAlgorithm::ES512}) {
            if (qstrcmp(groupNameFor(candidate), group) == 0)
                curveAlgorithm = candidate;
        }
        if (!curveAlgorithm)
            return refuse("jwk.unsupported_curve",
                          QStringLiteral("The EC curve is not supported."));
        BIGNUM *x = nullptr;
        BIGNUM *y = nullptr;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        BignumPtr ownedX(x);
        BignumPtr ownedY(y);
        const int size = coordinateSizeFor(*curveAlgorithm);
        QByteArray xBytes(size, '\0');
        QByteArray yBytes(size, '\0');
        if (!x || !y
            || BN_bn2binpad(x, reinterpret_cast<unsigned char *>(xBytes.data()), size) != size
            || BN_bn2binpad(y, reinterpret_cast<unsigned char *>(yBytes.data()), size) != size)
            return refuse("jwk.invalid_ec", QStringLiteral("The EC key has no public point."));
        object.insert(QLatin1String("kty"), QLatin1String("EC"));
        object.insert(QLatin1String("crv"), curveFor(*curveAlgorithm));
        object.insert(QLatin1String("x"), QString::fromLatin1(Base64Url::encode(xBytes)));
        object.insert(QLatin1String("y"), QString::fromLatin1(Base64Url::encode(yBytes)));
    } else if (EVP_PKEY_is_a(key, "ED25519")) {
        unsigned char raw[32];
        size_t length = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != sizeof raw)
            return refuse("jwk.invalid_okp", QStringLiteral("The Ed25519 key has no public part."));
        object.insert(QLatin1String("kty"), QLatin1String("OKP"));
        object.insert(QLatin1String("crv"), QLatin1String("Ed25519"));
        object.insert(QLatin1String("x"),
                      QString::fromLatin1(Base64Url::encode(
                          QByteArrayView(reinterpret_cast<const char *>(raw), sizeof raw))));
    } else {
        return refuse("jwk.unsupported_kty", QStringLiteral("The key type is not supported."));
    }
    object.insert(QLatin1String("use"), QLatin1String("sig"));
    if (algorithm)
        object.insert(QLatin1String("alg"), jwsAlgorithmName(*algorithm));
    auto parsed = fromJson(object);
    if (!parsed)
        return parsed;
    Jwk jwk = std::move(parsed).value();
    jwk.m_keyId = keyId.isEmpty() ? QString::fromLatin1(jwk.m_thumbprint) : keyId;
    jwk.m_hasKeyId = true;
    return jwk;
}

bool Jwk::isCompatibleWith(JwsAlgorithm algorithm) const
{
    if (!m_key || keyTypeFor(algorithm) != m_keyType)
        return false;
    if (m_algorithm && *m_algorithm != algorithm)
        return false;
    if (m_keyType == KeyType::Ec || m_keyType == KeyType::Okp)
        return curveFor(algorithm) == m_curve;
    return true;
}

QJsonObject Jwk::toJson() const
{
    QJsonObject object;
    switch (m_keyType) {
    case KeyType::Rsa:
        object.insert(QLatin1String("kty"), QLatin1String("RSA"));
        object.insert(QLatin1String("n"), QString::fromLatin1(m_first));
        object.insert(QLatin1String("e"), QString::fromLatin1(m_second));
        break;
    case KeyType::Ec:
        object.insert(QLatin1String("kty"), QLatin1String("EC"));
        object.insert(QLatin1String("crv"), m_curve);
        object.insert(QLatin1String("x"), QString::fromLatin1(m_first));
        object.insert(QLatin1String("y"), QString::fromLatin1(m_second));
        break;
    case KeyType::Okp:
        object.insert(QLatin1String("kty"), QLatin1String("OKP"));
        object.insert(QLatin1String("crv"), m_curve);
        object.insert(QLatin1String("x"), QString::fromLatin1(m_first));
        break;
    case KeyType::Oct:
        break;
    }
    if (m_hasKeyId)
        object.insert(QLatin1String("kid"), m_keyId);
    if (!m_use.isEmpty())
        object.insert(QLatin1String("use"), m_use);
    if (m_algorithm)
        object.insert(QLatin1String("alg"), jwsAlgorithmName(*m_algorithm));
    return object;
}

} // namespace ProxySmart::Jose
