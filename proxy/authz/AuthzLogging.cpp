#include "authz/AuthzLogging.h"

Q_LOGGING_CATEGORY(lcAuthz, "proxysmart.proxy.authz", QtInfoMsg)
