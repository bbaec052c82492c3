#pragma once

#include "jose/VerifiedToken.h"

#include <QByteArrayView>

#include <array>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ProxySmart::Jose {

// A bounded, thread-safe LRU of verified tokens, keyed by the SHA-256 of the
// token text (the text itself is never stored). Split into shards, each with
// its own mutex, so worker threads rarely wait for one another. Entries expire
// at the time given on insertion (the token's expiry, at most).
class VerifiedTokenCache
{
public:
    using Digest = std::array<unsigned char, 32>;

    explicit VerifiedTokenCache(qsizetype capacity = 10000, int shardCount = 16);
    VerifiedTokenCache(const VerifiedTokenCache &) = delete;
    VerifiedTokenCache &operator=(const VerifiedTokenCache &) = delete;

    static Digest digestOf(QByteArrayView token);

    // The entry for digest if it has not expired at nowMSecs; an expired entry
    // is dropped.
    // expiresAtMSecs, if given, receives until when the entry vouches.
    std::optional<VerifiedToken> find(const Digest &digest, qint64 nowMSecs,
                                      qint64 *expiresAtMSecs = nullptr);
    void insert(const Digest &digest, VerifiedToken token, qint64 expiresAtMSecs);
    void remove(const Digest &digest);
    void clear();

    qsizetype size() const;
    qsizetype capacity() const { return m_shardCapacity * static_cast<qsizetype>(m_shards.size()); }

private:
    struct Entry
    {
        Digest digest;
        VerifiedToken token;
        qint64 expiresAtMSecs;
    };
    struct DigestHash
    {
        size_t operator()(const Digest &digest) const;
    };
    struct Shard
    {
        mutable std::mutex mutex;
        std::list<Entry> recency; // most recently used first
        std::unordered_map<Digest, std::list<Entry>::iterator, DigestHash> index;
    };

    Shard &shardFor(const Digest &digest);

    std::vector<std::unique_ptr<Shard>> m_shards;
    qsizetype m_shardCapacity;
};

} // namespace ProxySmart::Jose
