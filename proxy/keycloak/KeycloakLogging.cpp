#include "keycloak/KeycloakLogging.h"

Q_LOGGING_CATEGORY(lcKeycloak, "proxysmart.proxy.keycloak", QtInfoMsg)
