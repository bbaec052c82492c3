# Shared by the test-server scripts: where things live, waiting with a time
# bound, and stopping only what these scripts started. Sourced, not run.

: "${PROXYSMART_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/proxy-smart}"
: "${PROXYSMART_RUN_DIR:=${TMPDIR:-/tmp}/proxy-smart-servers}"
mkdir -p "$PROXYSMART_CACHE_DIR" "$PROXYSMART_RUN_DIR"

log() { printf '[%s] %s\n' "${SERVER_NAME:-servers}" "$*" >&2; }

# download URL DEST: fetches once; a partial download never counts as done.
download() {
  local url=$1 dest=$2
  [ -s "$dest" ] && return 0
  log "downloading $url"
  mkdir -p "$(dirname "$dest")"
  curl -fsSL --retry 3 --retry-delay 2 -o "$dest.part" "$url"
  mv "$dest.part" "$dest"
}

# http_ok URL: true when URL answers 2xx.
http_ok() { curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null; }

# port_in_use PORT: true when something listens on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ready URL PID LOG SECONDS: waits until URL answers, the process dies, or
# the time is up; on failure prints the log's tail and returns 1.
wait_ready() {
  local url=$1 pid=$2 logfile=$3 limit=$4 waited=0
  while ! http_ok "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "process $pid exited before $url was ready; last lines of $logfile:"
      tail -n 60 "$logfile" >&2
      return 1
    fi
    if ((waited >= limit)); then
      log "not ready after ${limit}s ($url); last lines of $logfile:"
      tail -n 60 "$logfile" >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "ready after ${waited}s at $url"
}

# stop_started NAME: stops the process recorded in NAME.pid by start, if any.
# A server that was already running before start is never recorded, so it is
# never stopped here.
stop_started() {
  local pidfile="$PROXYSMART_RUN_DIR/$1.pid" pid
  [ -f "$pidfile" ] || { log "nothing started here; leaving any running server alone"; return 0; }
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && { log "still running; killing"; kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; }
  fi
  rm -f "$pidfile"
  log "stopped"
}

# start_detached NAME LOG CMD...: runs CMD in its own process group, records
# its pid in NAME.pid and prints it.
start_detached() {
  local name=$1 logfile=$2; shift 2
  setsid "$@" >"$logfile" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$PROXYSMART_RUN_DIR/$name.pid"
  echo "$pid"
}
