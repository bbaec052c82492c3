// libFuzzer target: one input is one JWKS document (and, for the same bytes,
// one Cache-Control header). Every key the parser accepts is exported and
// parsed again, and looked up for every algorithm.
#include "jose/JwkSet.h"
#include "jose/JwksFetcher.h"

#include <QJsonDocument>

#include <cstddef>
#include <cstdint>

using namespace ProxySmart::Jose;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    (void)JwksFetcher::maxAgeFrom(input);
    auto set = JwkSet::parse(input);
    if (!set)
        return 0;
    for (const Jwk &key : set->keys()) {
        auto again = Jwk::fromJson(key.toJson());
        if (!again || again->thumbprint() != key.thumbprint())
            __builtin_trap(); // an accepted key must survive its own export
        for (JwsAlgorithm algorithm : asymmetricAlgorithms())
            (void)set->candidates(key.keyId(), algorithm);
    }
    (void)JwkSet::parse(set->toJson());
    return 0;
}
