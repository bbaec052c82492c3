// libFuzzer target: one input is one token, run through the strict JSON
// scanner, the compact JWS parser and the whole verifier (RSA, EC, Ed25519
// and HMAC issuers). Nothing may crash, leak or trip a sanitizer.
#include "jose/CompactJws.h"
#include "jose/StrictJson.h"
#include "jose/TokenVerifier.h"

#include <cstddef>
#include <cstdint>

using namespace ProxySmart;
using namespace ProxySmart::Jose;

namespace {

// RFC 7515 A.2/A.3 and RFC 8037 public keys: tokens in the seed corpus are
// signed by them, so the fuzzer reaches the signature and claims checks.
const char keys[] =
    R"({"keys":[)"
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"},)"
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},)"
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})";

TokenVerifier &verifier()
{
    static ManualClock clock(1300819000);
    static std::shared_ptr<TokenVerifier> instance = [] {
        IssuerConfig joe;
        joe.issuer = QStringLiteral("joe");
        joe.audience = QStringLiteral("proxy-smart");
        joe.staticJwks = QByteArray(keys);
        joe.requireExpiry = false;
        IssuerConfig shared;
        shared.issuer = QStringLiteral("shared");
        shared.audience = QStringLiteral("proxy-smart");
        shared.hmacSecret = QByteArray(64, 'k');
        shared.type = QStringLiteral("at+jwt");
        return TokenVerifier::create({joe, shared}, clock).value();
    }();
    return *instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    (void)StrictJson::parseObject(input, QStringLiteral("fuzz"));
    (void)CompactJws::parse(input);
    // Twice through the cache, once around it.
    (void)verifier().verify(input);
    (void)verifier().verify(input);
    (void)verifier().verify(input, TokenVerifier::CacheUse::Bypass);
    return 0;
}
