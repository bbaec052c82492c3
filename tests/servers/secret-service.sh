#!/usr/bin/env bash
# Runs a command with a real Secret Service of its own:
#   tests/servers/secret-service.sh COMMAND [ARGS...]
# A private D-Bus session bus (dbus-run-session) with gnome-keyring-daemon's
# secrets component, its login keyring created and unlocked with a throwaway
# password in a temporary XDG data directory, so the user's own keyrings are
# never touched. Everything started here ends with the session bus.
set -euo pipefail

if [ "${1:-}" != "--inside-session" ]; then
  [ $# -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "secret-service.sh: $tool is missing (packaging/install-deps.sh)" >&2; exit 1; }
  done
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/proxysmart-keyring.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  status=0
  PROXYSMART_KEYRING_SCRATCH="$scratch" dbus-run-session -- bash "$0" --inside-session "$@" || status=$?
  exit "$status"
fi
shift

scratch="$PROXYSMART_KEYRING_SCRATCH"
unset PROXYSMART_KEYRING_SCRATCH
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" XDG_CONFIG_HOME="$scratch/config"
mkdir -p "$XDG_DATA_HOME/keyrings" "$XDG_CONFIG_HOME"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"

# --unlock reads the keyring password from standard input; it prints the
# control socket's variables for this session.
eval "$(printf '%s' "proxy-smart-test-keyring" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

daemon_pid=""
if [ -n "${GNOME_KEYRING_CONTROL:-}" ] && [ -S "$GNOME_KEYRING_CONTROL/control" ] && command -v fuser >/dev/null; then
  daemon_pid=$(fuser "$GNOME_KEYRING_CONTROL/control" 2>/dev/null | tr -s ' ' | cut -d' ' -f2 || true)
fi

status=0
"$@" || status=$?
# The daemon leaves with the bus; stop it here too so nothing outlives the run.
if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
exit "$status"
