#include "core/Logging.h"

Q_LOGGING_CATEGORY(lcCore, "proxysmart.proxy.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConfig, "proxysmart.proxy.config", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "proxysmart.proxy.gateway", QtInfoMsg)
