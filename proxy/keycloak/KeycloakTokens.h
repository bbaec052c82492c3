#pragma once

#include "core/Result.h"

#include <QByteArray>
#include <QString>

namespace ProxySmart {

// The tokens of a signed-in session, with their expiry in seconds since the
// epoch (0: unknown or none). Never logged.
struct KeycloakTokens
{
    QString accessToken;
    QString refreshToken;
    qint64 accessExpiresAt = 0;
    qint64 refreshExpiresAt = 0; // 0 with a refresh token: no known expiry
    qint64 accessLifetime = 0;

    bool hasAccessToken() const { return !accessToken.isEmpty(); }

    // Parses a token endpoint's success answer received at `nowSecs`.
    static Result<KeycloakTokens> fromTokenResponse(const QByteArray &body, qint64 nowSecs);
};

} // namespace ProxySmart
