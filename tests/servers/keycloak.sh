#!/usr/bin/env bash
# Starts, stops and reports a real Keycloak for the tests.
#   tests/servers/keycloak.sh start|stop|status
# Keycloak (org.keycloak:keycloak-quarkus-dist from Maven Central) is
# downloaded once into the cache, run with the machine's Java in dev mode with
# an in-memory database, on loopback only, and given the test realm
# (keycloak/realm-proxy-smart-test.json plus keycloak/provision.py).
set -euo pipefail
SERVER_NAME=keycloak
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

: "${PROXYSMART_KEYCLOAK_VERSION:=26.7.3}"
: "${PROXYSMART_KEYCLOAK_PORT:=18080}"
: "${PROXYSMART_KEYCLOAK_MANAGEMENT_PORT:=$((PROXYSMART_KEYCLOAK_PORT + 2))}"
: "${PROXYSMART_KEYCLOAK_TIMEOUT:=300}"
: "${PROXYSMART_KEYCLOAK_ADMIN_USER:=admin}"
: "${PROXYSMART_KEYCLOAK_ADMIN_PASSWORD:=proxy-smart-test-admin}"
realm=proxy-smart-test
url="http://127.0.0.1:$PROXYSMART_KEYCLOAK_PORT"
ready_url="$url/realms/$realm/.well-known/openid-configuration"
logfile="$PROXYSMART_RUN_DIR/keycloak.log"
home="$PROXYSMART_CACHE_DIR/keycloak-$PROXYSMART_KEYCLOAK_VERSION"

install_keycloak() {
  [ -x "$home/bin/kc.sh" ] && return 0
  local archive="$PROXYSMART_CACHE_DIR/downloads/keycloak-$PROXYSMART_KEYCLOAK_VERSION.tar.gz"
  download "https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/$PROXYSMART_KEYCLOAK_VERSION/keycloak-quarkus-dist-$PROXYSMART_KEYCLOAK_VERSION.tar.gz" "$archive"
  local staging="$home.part"
  rm -rf "$staging" && mkdir -p "$staging"
  tar -xzf "$archive" -C "$staging" --strip-components=1
  mv "$staging" "$home"
}

provision() {
  KEYCLOAK_URL="$url" KC_BOOTSTRAP_ADMIN_USERNAME="$PROXYSMART_KEYCLOAK_ADMIN_USER" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="$PROXYSMART_KEYCLOAK_ADMIN_PASSWORD" \
    PROXYSMART_RUN_DIR="$PROXYSMART_RUN_DIR" python3 "$here/keycloak/provision.py"
}

start() {
  if http_ok "$ready_url"; then
    log "already running at $url; using it and leaving it running"
    provision
    return 0
  fi
  for port in "$PROXYSMART_KEYCLOAK_PORT" "$PROXYSMART_KEYCLOAK_MANAGEMENT_PORT"; do
    if port_in_use "$port"; then
      log "port $port is taken by another program; set PROXYSMART_KEYCLOAK_PORT to a free port"
      return 1
    fi
  done
  command -v java >/dev/null || { log "java is missing: run packaging/install-deps.sh"; return 1; }
  install_keycloak
  mkdir -p "$home/data/import"
  cp "$here/keycloak/realm-proxy-smart-test.json" "$home/data/import/"

  local pid
  pid=$(KC_BOOTSTRAP_ADMIN_USERNAME="$PROXYSMART_KEYCLOAK_ADMIN_USER" \
    KC_BOOTSTRAP_ADMIN_PASSWORD="$PROXYSMART_KEYCLOAK_ADMIN_PASSWORD" \
    JAVA_OPTS_KC_HEAP="-Xms128m -Xmx768m" \
    JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true" \
    start_detached keycloak "$logfile" "$home/bin/kc.sh" start-dev \
      --http-host=127.0.0.1 --http-port="$PROXYSMART_KEYCLOAK_PORT" \
      --http-management-port="$PROXYSMART_KEYCLOAK_MANAGEMENT_PORT" \
      --hostname-strict=false --db=dev-mem --cache=local --import-realm \
      --health-enabled=true --log-level=info)
  log "starting Keycloak $PROXYSMART_KEYCLOAK_VERSION (pid $pid, log $logfile)"
  if ! wait_ready "$ready_url" "$pid" "$logfile" "$PROXYSMART_KEYCLOAK_TIMEOUT"; then
    stop_started keycloak
    return 1
  fi
  if ! provision; then
    tail -n 30 "$logfile" >&2
    stop_started keycloak
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop_started keycloak ;;
  status)
    if http_ok "$ready_url"; then echo "keycloak: ready at $url"; else echo "keycloak: not answering at $url"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
