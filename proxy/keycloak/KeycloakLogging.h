#pragma once

#include <QLoggingCategory>

// proxysmart.proxy.keycloak: sign-ins, refreshes and admin operations with
// their outcome. Never a token, a client secret or a password; client ids,
// user names and HTTP statuses only.
Q_DECLARE_LOGGING_CATEGORY(lcKeycloak)
