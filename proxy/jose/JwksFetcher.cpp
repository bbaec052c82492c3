#include "jose/JwksFetcher.h"

#include "jose/JoseLogging.h"

#include <QMetaObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace ProxySmart::Jose {

struct JwksFetcher::IssuerFetch
{
    QString issuer;
    QUrl url;
    QTimer *timer = nullptr;
    QPointer<QNetworkReply> reply;
    // When the last fetch started (msecs, the injected clock); nothing yet: -1.
    qint64 lastStartMSecs = -1;
    int fetches = 0;
    qint64 refreshSecs = 0;
};

// Where verifying threads post refetch requests. It outlives the fetcher if a
// handler is still running while the fetcher is destroyed.
struct JwksFetcher::Mailbox
{
    std::mutex mutex;
    JwksFetcher *fetcher = nullptr;
};

JwksFetcher::JwksFetcher(std::shared_ptr<TokenVerifier> verifier, QNetworkAccessManager *network,
                         const Clock &clock, JwksFetchPolicy policy, QObject *parent)
    : QObject(parent)
    , m_verifier(std::move(verifier))
    , m_network(network)
    , m_clock(clock)
    , m_policy(policy)
    , m_mailbox(std::make_shared<Mailbox>())
{
    m_mailbox->fetcher = this;
    for (const IssuerConfig &config : m_verifier->issuers()) {
        if (config.jwksUrl.isEmpty())
            continue;
        auto *state = new IssuerFetch;
        state->issuer = config.issuer;
        state->url = config.jwksUrl;
        state->timer = new QTimer(this);
        state->timer->setSingleShot(true);
        const QString issuer = config.issuer;
        connect(state->timer, &QTimer::timeout, this,
                [this, issuer] { refreshOnOwnThread(issuer, false); });
        m_issuers.insert(config.issuer, state);
    }
}

JwksFetcher::~JwksFetcher()
{
    // The verifier may outlive this object: stop calling into it.
    {
        std::lock_guard lock(m_mailbox->mutex);
        m_mailbox->fetcher = nullptr;
    }
    m_verifier->setUnknownKeyHandler({});
    for (IssuerFetch *state : std::as_const(m_issuers)) {
        if (state->reply) {
            // No finished() back into a half-destroyed fetcher.
            state->reply->disconnect(this);
            state->reply->abort();
            state->reply->deleteLater();
        }
        delete state;
    }
}

void JwksFetcher::start()
{
    m_verifier->setUnknownKeyHandler([mailbox = m_mailbox](const QString &issuer) {
        // Called on a verifying thread; hop to the fetcher's thread.
        std::lock_guard lock(mailbox->mutex);
        if (mailbox->fetcher)
            mailbox->fetcher->requestRefresh(issuer);
    });
    for (IssuerFetch *state : std::as_const(m_issuers))
        fetch(*state);
}

void JwksFetcher::requestRefresh(const QString &issuer)
{
    QMetaObject::invokeMethod(
        this, [this, issuer] { refreshOnOwnThread(issuer, true); }, Qt::QueuedConnection);
}

qint64 JwksFetcher::refreshIntervalSecs(const QString &issuer) const
{
    const IssuerFetch *state = m_issuers.value(issuer, nullptr);
    return state ? state->refreshSecs : 0;
}

int JwksFetcher::fetchCount(const QString &issuer) const
{
    const IssuerFetch *state = m_issuers.value(issuer, nullptr);
    return state ? state->fetches : 0;
}

void JwksFetcher::refreshOnOwnThread(const QString &issuer, bool rateLimited)
{
    IssuerFetch *state = m_issuers.value(issuer, nullptr);
    if (!state)
        return;
    if (rateLimited && state->lastStartMSecs >= 0
        && m_clock.nowMSecs() - state->lastStartMSecs
            < qint64(m_policy.unknownKeyRefetchSecs) * 1000) {
        qCDebug(lcJose) << "JWKS refetch for" << issuer << "skipped: fetched recently";
        return;
    }
    fetch(*state);
}

void JwksFetcher::fetch(IssuerFetch &state)
{
    if (state.reply || !m_network)
        return; // one fetch at a time per issuer
    state.lastStartMSecs = m_clock.nowMSecs();
    ++state.fetches;
    QNetworkRequest request(state.url);
    request.setTransferTimeout(m_policy.timeoutMSecs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setRawHeader("Accept", "application/jwk-set+json, application/json");
    QNetworkReply *reply = m_network->get(request);
    state.reply = reply;
    const QString issuer = state.issuer;
    // Stop reading once the body exceeds what a key set may be.
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
        if (received > JwkSet::maxBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this,
            [this, issuer, reply] { finished(issuer, reply); });
}

void JwksFetcher::finished(const QString &issuer, QNetworkReply *reply)
{
    reply->deleteLater();
    IssuerFetch *state = m_issuers.value(issuer, nullptr);
    if (!state)
        return;
    state->reply = nullptr;

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    std::optional<Error> failure;
    qint64 refreshSecs = m_policy.defaultRefreshSecs;
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        failure = Error {QStringLiteral("jwks.fetch_failed"),
                         QStringLiteral("Fetching the JWKS of %1 failed (HTTP %2: %3).")
                             .arg(issuer)
                             .arg(status)
                             .arg(reply->errorString())};
    } else {
        const QByteArray body = reply->read(JwkSet::maxBytes + 1);
        auto keys = JwkSet::parse(body);
        if (!keys) {
            failure = keys.error();
        } else if (keys->isEmpty()) {
            failure =
                Error {QStringLiteral("jwks.no_usable_keys"),
                       QStringLiteral("The JWKS of %1 has no usable signing key.").arg(issuer)};
        } else {
            if (const auto maxAge = maxAgeFrom(reply->rawHeader("Cache-Control")))
                refreshSecs = *maxAge;
            refreshSecs =
                std::clamp<qint64>(refreshSecs, m_policy.minRefreshSecs, m_policy.maxRefreshSecs);
            for (const QString &skipped : keys->skipped())
                qCDebug(lcJose) << "JWKS of" << issuer << "entry skipped:" << skipped;
            const int count = static_cast<int>(keys->size());
            m_verifier->setKeySet(issuer, std::move(keys).value());
            qCInfo(lcJose) << "JWKS of" << issuer << "updated:" << count << "keys; next refresh in"
                           << refreshSecs << "s";
            schedule(*state, refreshSecs);
            emit keysUpdated(issuer, count);
            return;
        }
    }
    qCWarning(lcJose) << "JWKS of" << issuer << "not updated:" << failure->code
                      << "- keeping the keys already held";
    schedule(*state, m_policy.retrySecs);
    emit fetchFailed(issuer, *failure);
}

void JwksFetcher::schedule(IssuerFetch &state, qint64 secs)
{
    state.refreshSecs = secs;
    state.timer->start(
        static_cast<int>(std::min<qint64>(secs * 1000, std::numeric_limits<int>::max())));
}

std::optional<qint64> JwksFetcher::maxAgeFrom(QByteArrayView cacheControl)
{
    std::optional<qint64> maxAge;
    const QList<QByteArray> directives =
        QByteArray::fromRawData(cacheControl.data(), cacheControl.size()).split(',');
    for (const QByteArray &raw : directives) {
        const QByteArray directive = raw.trimmed().toLower();
        if (directive == "no-store" || directive == "no-cache")
            return 0;
        if (directive.startsWith("max-age=")) {
            QByteArray value = directive.mid(8);
            if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
                value = value.mid(1, value.size() - 2);
            bool ok = false;
            const qint64 secs = value.toLongLong(&ok);
            if (!ok || secs < 0 || value.isEmpty() || value.startsWith('+'))
                return std::nullopt; // a malformed max-age makes the response's lifetime unknown
            maxAge = secs;
        }
    }
    return maxAge;
}

} // namespace ProxySmart::Jose
