#!/usr/bin/env bash
# A test server that cannot start must make its start command fail quickly,
# with the tail of its log, and leave nothing running. Starts each server with
# a setting that breaks it (a JVM flag that makes Java refuse to start, or a
# time bound too short to be ready) in a private run directory and port.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect_failure() { # NAME LIMIT_SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  local started=$SECONDS output status
  output=$(timeout $((limit + 30)) "$@" 2>&1); status=$?
  local took=$((SECONDS - started))
  if [ "$status" -eq 0 ]; then
    echo "FAIL: $name: start succeeded although it was broken"; failures=$((failures + 1)); return
  fi
  if [ "$status" -eq 124 ]; then
    echo "FAIL: $name: start hung until killed"; failures=$((failures + 1)); return
  fi
  if ! grep -q "last lines of" <<<"$output"; then
    echo "FAIL: $name: no log tail in the output:"; echo "$output" | tail -5; failures=$((failures + 1)); return
  fi
  echo "PASS: $name failed in ${took}s with exit $status and its log tail"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
PROXYSMART_RUN_DIR="$work/hapi" PROXYSMART_HAPI_PORT=$port \
  PROXYSMART_HAPI_JAVA_OPTS="-XX:+UseSerialGC -XX:+UseG1GC" \
  expect_failure "HAPI with a JVM that refuses to start" 120 bash "$here/hapi.sh" start

port=$(free_port)
PROXYSMART_RUN_DIR="$work/keycloak" PROXYSMART_KEYCLOAK_PORT=$port PROXYSMART_KEYCLOAK_TIMEOUT=3 \
  expect_failure "Keycloak not ready within its time bound" 60 bash "$here/keycloak.sh" start

# Nothing may be left behind on the ports or in the run directories.
for dir in "$work"/*; do
  for pidfile in "$dir"/*.pid; do
    [ -e "$pidfile" ] || continue
    echo "FAIL: $pidfile left behind"; failures=$((failures + 1))
  done
done
if pgrep -f "$work" >/dev/null; then
  echo "FAIL: a process from the broken starts is still running"; pkill -f "$work"; failures=$((failures + 1))
fi
passed=$((2 - failures)); ((passed < 0)) && passed=0
echo "$passed passed, $failures failed"
exit $((failures > 0))
