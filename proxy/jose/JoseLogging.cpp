#include "jose/JoseLogging.h"

Q_LOGGING_CATEGORY(lcJose, "proxysmart.proxy.jose", QtInfoMsg)
