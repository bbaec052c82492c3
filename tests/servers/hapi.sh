#!/usr/bin/env bash
# A real HAPI FHIR JPA server (R4, H2 in memory) for the integration tests,
# seeded with the synthetic data set of tests/servers/hapi/make-dataset.py.
#
#   hapi.sh start    build the launcher if needed, start, seed, verify
#   hapi.sh stop     stop the server that start started (never another one)
#   hapi.sh status   say whether a server answers on the port
#   hapi.sh seed     (re)load and verify the data set on a running server
#
# Environment: PROXYSMART_HAPI_PORT (18081), PROXYSMART_HAPI_TIMEOUT (300 s),
# PROXYSMART_HAPI_JAVA_OPTS (JVM flags), JAVA (java), MVN (mvn), and lib.sh's
# PROXYSMART_CACHE_DIR / PROXYSMART_RUN_DIR. The log is $PROXYSMART_RUN_DIR/hapi.log.
set -euo pipefail

SERVER_NAME=hapi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

PORT=${PROXYSMART_HAPI_PORT:-18081}
TIMEOUT=${PROXYSMART_HAPI_TIMEOUT:-300}
JAVA=${JAVA:-java}
MVN=${MVN:-mvn}
JAVA_OPTS=${PROXYSMART_HAPI_JAVA_OPTS:--Xmx768m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -XX:ReservedCodeCacheSize=64m -Dfile.encoding=UTF-8}
BASE="http://127.0.0.1:$PORT/fhir"
LOG="$PROXYSMART_RUN_DIR/hapi.log"
BUILD_LOG="$PROXYSMART_RUN_DIR/hapi-build.log"
LAUNCHER_SRC="$HERE/hapi/launcher"
DATASET_PY="$HERE/hapi/make-dataset.py"

die() { log "error: $*"; exit 1; }

check_port() {
  [[ $PORT =~ ^[0-9]+$ ]] && ((10#$PORT >= 1 && 10#$PORT <= 65535)) ||
    die "PROXYSMART_HAPI_PORT='$PORT' is not a port number (1..65535)"
  [[ $TIMEOUT =~ ^[0-9]+$ ]] || die "PROXYSMART_HAPI_TIMEOUT='$TIMEOUT' is not a number of seconds"
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "'$JAVA' not found: a Java 17+ runtime is needed (Debian: openjdk-17-jdk-headless)"
  local v
  v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  [[ ${v%%.*} =~ ^[0-9]+$ ]] && ((${v%%.*} >= 17)) || die "'$JAVA' is Java '${v:-unknown}'; Java 17 or newer is needed"
}

# The build lives outside the repository, in a directory named after a hash
# of the launcher's sources, so it is rebuilt only when they change.
launcher_hash() {
  (cd "$LAUNCHER_SRC" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-16
}

build_launcher() {
  local hash root dir tmp
  hash=$(launcher_hash)
  root="$PROXYSMART_CACHE_DIR/hapi-launcher"
  dir="$root/$hash"
  BUILD_DIR=$dir
  [ -f "$dir/.built" ] && return 0
  command -v "$MVN" >/dev/null 2>&1 || die "'$MVN' not found: Maven is needed to build the launcher (Debian: maven)"
  mkdir -p "$root"
  (
    # One build at a time; the lock is released when this subshell ends.
    exec 9>"$root/.lock"
    flock 9
    [ -f "$dir/.built" ] && exit 0
    log "building the launcher in $dir (log: $BUILD_LOG)"
    local start=$SECONDS
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    cp -R "$LAUNCHER_SRC/pom.xml" "$LAUNCHER_SRC/src" "$tmp/"
    if ! (cd "$tmp" && "$MVN" -q -B compile dependency:copy-dependencies) >"$BUILD_LOG" 2>&1; then
      log "launcher build failed; last lines of $BUILD_LOG:"
      tail -n 40 "$BUILD_LOG" >&2
      rm -rf "$tmp"
      exit 1
    fi
    rm -rf "$dir"
    mv "$tmp" "$dir"
    touch "$dir/.built"
    # Older builds are a few hundred MB each: keep only this one.
    find "$root" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" ! -name '*.tmp.*' -exec rm -rf {} +
    log "launcher built in $((SECONDS - start))s"
  ) || exit 1
}

seed() {
  local dataset="$PROXYSMART_RUN_DIR/hapi-dataset.json" response="$PROXYSMART_RUN_DIR/hapi-seed-response.json" code
  command -v python3 >/dev/null 2>&1 || die "python3 not found: it makes and checks the data set"
  python3 "$DATASET_PY" >"$dataset.part" || die "make-dataset.py failed"
  mv "$dataset.part" "$dataset"
  code=$(curl -sS --max-time 300 -o "$response" -w '%{http_code}' \
    -H 'Content-Type: application/fhir+json' -H 'Accept: application/fhir+json' \
    --data-binary @"$dataset" "$BASE") || code=000
  if [ "$code" != 200 ]; then
    log "seeding failed (HTTP $code); response:"
    head -c 2000 "$response" >&2 2>/dev/null || true
    echo >&2
    return 1
  fi
  python3 "$DATASET_PY" --verify "$BASE" || { log "the data set is not as expected on $BASE"; return 1; }
}

cmd_start() {
  check_port
  local pidfile="$PROXYSMART_RUN_DIR/hapi.pid" portfile="$PROXYSMART_RUN_DIR/hapi.port" pid
  if http_ok "$BASE/metadata"; then
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && [ "$(cat "$portfile" 2>/dev/null)" = "$PORT" ]; then
      log "the server started earlier by hapi.sh (pid $(cat "$pidfile")) already answers at $BASE"
    else
      log "a FHIR server already answers at $BASE; reusing it (stop will leave it alone)"
    fi
    seed || exit 1
    log "ready at $BASE"
    return 0
  fi
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    # lib.sh keeps one pid per name: one server started by this script at a time.
    pid=$(cat "$pidfile")
    [ "$(cat "$portfile" 2>/dev/null)" = "$PORT" ] ||
      die "the server started by '$0 start' (pid $pid) runs on port $(cat "$portfile" 2>/dev/null || echo '?'), not $PORT; stop it first"
    log "a server started here earlier (pid $pid) is still coming up; waiting for it"
  else
    rm -f "$pidfile" "$portfile"
    port_in_use "$PORT" && die "port $PORT is taken by something that does not answer $BASE/metadata; set PROXYSMART_HAPI_PORT"
    check_java
    build_launcher
    log "starting HAPI FHIR JPA server on port $PORT (log: $LOG)"
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
    pid=$(start_detached hapi "$LOG" "$JAVA" $JAVA_OPTS \
      -cp "$BUILD_DIR/target/classes:$BUILD_DIR/target/lib/*" proxysmart.hapi.Launcher "$PORT")
    echo "$PORT" >"$portfile"
  fi
  if ! wait_ready "$BASE/metadata" "$pid" "$LOG" "$TIMEOUT"; then
    stop_started hapi
    rm -f "$portfile"
    die "HAPI FHIR did not start"
  fi
  if ! seed; then
    log "last lines of $LOG:"
    tail -n 30 "$LOG" >&2
    exit 1
  fi
  log "ready at $BASE (pid $pid)"
}

cmd_status() {
  check_port
  local pidfile="$PROXYSMART_RUN_DIR/hapi.pid" who="not started by hapi.sh"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null &&
    [ "$(cat "$PROXYSMART_RUN_DIR/hapi.port" 2>/dev/null)" = "$PORT" ]; then
    who="pid $(cat "$pidfile"), started by hapi.sh"
  fi
  if http_ok "$BASE/metadata"; then
    echo "hapi: up at $BASE ($who)"
  else
    echo "hapi: not answering at $BASE"
    return 1
  fi
}

cmd_seed() {
  check_port
  http_ok "$BASE/metadata" || die "no FHIR server answers at $BASE; run '$0 start'"
  seed || exit 1
  log "data set loaded at $BASE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop)
    stop_started hapi
    rm -f "$PROXYSMART_RUN_DIR/hapi.port"
    ;;
  status) cmd_status ;;
  seed) cmd_seed ;;
  *)
    echo "usage: $0 {start|stop|status|seed}" >&2
    exit 2
    ;;
esac
