#include "jose/VerifiedTokenCache.h"

#include <QTest>

#include <thread>

using namespace ProxySmart::Jose;

namespace {

VerifiedToken token(const QString &subject)
{
    VerifiedToken::Data data;
    data.subject = subject;
    return VerifiedToken(std::move(data));
}

} // namespace

class TestVerifiedTokenCache : public QObject
{
    Q_OBJECT

private slots:
    void digestIsSha256OfTheToken();
    void findsUntilExpiry();
    void evictsTheLeastRecentlyUsed();
    void staysBoundedUnderConcurrentUse();
};

void TestVerifiedTokenCache::digestIsSha256OfTheToken()
{
    const auto digest = VerifiedTokenCache::digestOf("abc");
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(digest.data()), 32).toHex(),
             QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QVERIFY(VerifiedTokenCache::digestOf("abd") != digest);
}

void TestVerifiedTokenCache::findsUntilExpiry()
{
    VerifiedTokenCache cache(10, 2);
    const auto key = VerifiedTokenCache::digestOf("token-1");
    QVERIFY(!cache.find(key, 0));
    cache.insert(key, token(QStringLiteral("alice")), 5000);
    QCOMPARE(cache.find(key, 4999)->subject(), QStringLiteral("alice"));
    QVERIFY(!cache.find(key, 5000));
    QCOMPARE(cache.size(), 0); // the expired entry was dropped
    cache.insert(key, token(QStringLiteral("bob")), 9000);
    cache.remove(key);
    QVERIFY(!cache.find(key, 0));
}

void TestVerifiedTokenCache::evictsTheLeastRecentlyUsed()
{
    VerifiedTokenCache cache(3, 1);
    QCOMPARE(cache.capacity(), 3);
    const auto a = VerifiedTokenCache::digestOf("a");
    const auto b = VerifiedTokenCache::digestOf("b");
    const auto c = VerifiedTokenCache::digestOf("c");
    const auto d = VerifiedTokenCache::digestOf("d");
    cache.insert(a, token(QStringLiteral("a")), 1000);
    cache.insert(b, token(QStringLiteral("b")), 1000);
    cache.insert(c, token(QStringLiteral("c")), 1000);
    QVERIFY(cache.find(a, 0)); // a is now the most recent
    cache.insert(d, token(QStringLiteral("d")), 1000);
    QCOMPARE(cache.size(), 3);
    QVERIFY(cache.find(a, 0));
    QVERIFY(!cache.find(b, 0)); // b was the least recently used
    QVERIFY(cache.find(c, 0));
    QVERIFY(cache.find(d, 0));
    cache.clear();
    QCOMPARE(cache.size(), 0);
}

void TestVerifiedTokenCache::staysBoundedUnderConcurrentUse()
{
    VerifiedTokenCache cache(256, 8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 2000; ++i) {
                const auto key = VerifiedTokenCache::digestOf(QByteArray::number(t * 100000 + i));
                cache.insert(key, token(QString::number(i)), 1000);
                cache.find(key, 0);
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QVERIFY(cache.size() <= cache.capacity());
    QVERIFY(cache.size() > 0);
}

QTEST_GUILESS_MAIN(TestVerifiedTokenCache)
#include "tst_verifiedtokencache.moc"
