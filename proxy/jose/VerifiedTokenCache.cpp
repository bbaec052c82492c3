#include "jose/VerifiedTokenCache.h"

#include "jose/OpenSslHandles.h"

#include <cstring>

namespace ProxySmart::Jose {

namespace {

// SHA-256 fetched once: an implicit fetch per call costs more than hashing a
// token.
const EVP_MD *sha256()
{
    static const EvpMdPtr digest(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    return digest.get();
}

} // namespace

VerifiedTokenCache::VerifiedTokenCache(qsizetype capacity, int shardCount)
{
    shardCount = std::max(1, shardCount);
    m_shardCapacity = std::max<qsizetype>(1, (capacity + shardCount - 1) / shardCount);
    m_shards.reserve(static_cast<size_t>(shardCount));
    for (int i = 0; i < shardCount; ++i)
        m_shards.push_back(std::make_unique<Shard>());
}

VerifiedTokenCache::Digest VerifiedTokenCache::digestOf(QByteArrayView token)
{
    thread_local EvpMdCtxPtr context(EVP_MD_CTX_new());
    Digest digest {};
    unsigned int length = 0;
    if (!context || EVP_DigestInit_ex(context.get(), sha256(), nullptr) != 1
        || EVP_DigestUpdate(context.get(), token.data(), static_cast<size_t>(token.size())) != 1
        || EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1
        || length != digest.size()) {
        // Fail closed: an all-zero digest is never inserted (see insert()).
        digest.fill(0);
    }
    return digest;
}

size_t VerifiedTokenCache::DigestHash::operator()(const Digest &digest) const
{
    size_t value = 0;
    std::memcpy(&value, digest.data(), sizeof value);
    return value;
}

VerifiedTokenCache::Shard &VerifiedTokenCache::shardFor(const Digest &digest)
{
    // Bytes 8… are independent of the bytes DigestHash uses.
    return *m_shards[digest[8] % m_shards.size()];
}

std::optional<VerifiedToken> VerifiedTokenCache::find(const Digest &digest, qint64 nowMSecs,
                                                      qint64 *expiresAtMSecs)
{
    Shard &shard = shardFor(digest);
    std::lock_guard lock(shard.mutex);
    const auto found = shard.index.find(digest);
    if (found == shard.index.end())
        return std::nullopt;
    const auto entry = found->second;
    if (nowMSecs >= entry->expiresAtMSecs) {
        shard.recency.erase(entry);
        shard.index.erase(found);
        return std::nullopt;
    }
    shard.recency.splice(shard.recency.begin(), shard.recency, entry);
    if (expiresAtMSecs)
        *expiresAtMSecs = entry->expiresAtMSecs;
    return entry->token;
}

void VerifiedTokenCache::insert(const Digest &digest, VerifiedToken token, qint64 expiresAtMSecs)
{
    static const Digest zero {};
    if (digest == zero)
        return;
    Shard &shard = shardFor(digest);
    std::lock_guard lock(shard.mutex);
    const auto found = shard.index.find(digest);
    if (found != shard.index.end()) {
        shard.recency.erase(found->second);
        shard.index.erase(found);
    }
    shard.recency.push_front(Entry {digest, std::move(token), expiresAtMSecs});
    shard.index.emplace(digest, shard.recency.begin());
    while (static_cast<qsizetype>(shard.recency.size()) > m_shardCapacity) {
        shard.index.erase(shard.recency.back().digest);
        shard.recency.pop_back();
    }
}

void VerifiedTokenCache::remove(const Digest &digest)
{
    Shard &shard = shardFor(digest);
    std::lock_guard lock(shard.mutex);
    const auto found = shard.index.find(digest);
    if (found == shard.index.end())
        return;
    shard.recency.erase(found->second);
    shard.index.erase(found);
}

void VerifiedTokenCache::clear()
{
    for (const auto &shard : m_shards) {
        std::lock_guard lock(shard->mutex);
        shard->index.clear();
        shard->recency.clear();
    }
}

qsizetype VerifiedTokenCache::size() const
{
    qsizetype total = 0;
    for (const auto &shard : m_shards) {
        std::lock_guard lock(shard->mutex);
        total += static_cast<qsizetype>(shard->recency.size());
    }
    return total;
}

} // namespace ProxySmart::Jose
