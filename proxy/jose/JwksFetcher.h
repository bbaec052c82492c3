#pragma once

#include "core/Clock.h"
#include "core/Result.h"
#include "jose/TokenVerifier.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>
#include <mutex>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace ProxySmart::Jose {

struct JwksFetchPolicy
{
    // Bounds on how long a fetched key set is used before it is fetched again;
    // Cache-Control: max-age is honoured within them.
    int minRefreshSecs = 60;
    int maxRefreshSecs = 24 * 3600;
    // Without a usable max-age.
    int defaultRefreshSecs = 300;
    // An unknown "kid" triggers a refetch at most this often per issuer.
    int unknownKeyRefetchSecs = 30;
    // After a failed fetch, the next try (the keys already held stay in use).
    int retrySecs = 30;
    int timeoutMSecs = 10000;
};

// Keeps the key sets of the verifier's URL-configured issuers fresh: fetches
// each JWKS over HTTP(S) on start(), again when its Cache-Control max-age
// (bounded by the policy) runs out, and when a token names an unknown key
// (rate-limited). A failed fetch keeps the keys already held, so validation
// goes on while the issuer is unreachable. Lives on one thread (the one that
// owns the QNetworkAccessManager); requestRefresh() may be called from any.
class JwksFetcher : public QObject
{
    Q_OBJECT

public:
    JwksFetcher(std::shared_ptr<TokenVerifier> verifier, QNetworkAccessManager *network,
                const Clock &clock = Clock::system(), JwksFetchPolicy policy = {},
                QObject *parent = nullptr);
    ~JwksFetcher() override;

    // Fetches every issuer's JWKS now, and installs the verifier's
    // unknown-key handler.
    void start();

    // Fetches issuer's JWKS now unless one was fetched (or asked for) within
    // policy.unknownKeyRefetchSecs. Thread-safe. Returns at once.
    void requestRefresh(const QString &issuer);

    // Cache-Control max-age in seconds, if the header has a valid one; 0 for
    // no-store / no-cache.
    static std::optional<qint64> maxAgeFrom(QByteArrayView cacheControl);

    int fetchCount(const QString &issuer) const;
    // Seconds until the scheduled refetch, as decided after the last fetch
    // (max-age within bounds, or the retry delay after a failure); 0 before.
    qint64 refreshIntervalSecs(const QString &issuer) const;

signals:
    void keysUpdated(const QString &issuer, int keyCount);
    void fetchFailed(const QString &issuer, const ProxySmart::Error &error);

private:
    struct IssuerFetch;
    struct Mailbox;

    void refreshOnOwnThread(const QString &issuer, bool rateLimited);
    void fetch(IssuerFetch &state);
    void finished(const QString &issuer, QNetworkReply *reply);
    void schedule(IssuerFetch &state, qint64 secs);

    std::shared_ptr<TokenVerifier> m_verifier;
    QPointer<QNetworkAccessManager> m_network;
    const Clock &m_clock;
    JwksFetchPolicy m_policy;
    QHash<QString, IssuerFetch *> m_issuers;
    std::shared_ptr<Mailbox> m_mailbox;
};

} // namespace ProxySmart::Jose
