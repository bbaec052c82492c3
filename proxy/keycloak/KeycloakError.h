#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

namespace ProxySmart {

// One failure of one Keycloak operation: what was being done, how Keycloak
// answered and a stable code for programs. `message()` is the sentence shown
// to people; it never contains a token, secret or password.
struct KeycloakError
{
    QString operation; // "registering app 'growth-chart'"
    int httpStatus = 0; // 0 when no HTTP answer arrived
    QString keycloakMessage; // Keycloak's errorMessage / error_description / error
    QString code; // "conflict", "not_found", "unauthorized", "network", "malformed_response", …

    QString message() const;

    // The error for an HTTP answer that was not a success; `networkError` is
    // the transport's description when no status arrived.
    static KeycloakError fromResponse(const QString &operation, int httpStatus,
                                      const QByteArray &body, const QString &networkError = {});
    static KeycloakError make(const QString &operation, const QString &code, const QString &reason);
    static QString codeForStatus(int httpStatus);
};

} // namespace ProxySmart

Q_DECLARE_METATYPE(ProxySmart::KeycloakError)
