#!/usr/bin/env bash
# Start `ollama serve` in the background on a free loopback port and wait until it answers.
#   eval "$(deploy/ollama/start-ollama.sh)"   # sets OLLAMA_HOST, OLLAMA_PID, OLLAMA_BIN
#   ...
#   kill "$OLLAMA_PID"
# Env:
#   OLLAMA_BIN           binary to run (default: whatever install-ollama.sh finds or builds)
#   OLLAMA_PORT          port to use (default: first free port from 11500 up; never the default Ollama port, so a user's own Ollama is left alone)
#   OLLAMA_MODELS        model store (default: $CACHE/models)
#   OLLAMA_NUM_PARALLEL  parallel requests per model (default 2)
#   OLLAMA_START_TIMEOUT seconds to wait for GET /api/version (default 60)
# stdout: only `export VAR=value` lines, values shell-quoted (printf %q) for eval; logs (and the server's log path) go to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
log() { printf '[ollama-start] %s\n' "$*" >&2; }

OLLAMA_BIN="${OLLAMA_BIN:-$("$HERE/install-ollama.sh")}"
[ -x "$OLLAMA_BIN" ] || { log "not executable: $OLLAMA_BIN"; exit 1; }

# Free = nothing LISTENs there. SO_REUSEADDR, as `ollama serve` itself binds: the TIME_WAIT
# connections a crashed server leaves behind (~60 s) do not count as "in use".
port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

port="${OLLAMA_PORT:-}"
if [ -z "$port" ]; then
  for p in $(seq 11500 11599); do
    if port_free "$p"; then port="$p"; break; fi
  done
  [ -n "$port" ] || { log "no free port in 11500-11599"; exit 1; }
elif ! port_free "$port"; then
  log "port $port is already in use"; exit 1
fi

export OLLAMA_HOST="127.0.0.1:$port"
export OLLAMA_MODELS="${OLLAMA_MODELS:-$CACHE_DIR/models}"
export OLLAMA_NUM_PARALLEL="${OLLAMA_NUM_PARALLEL:-2}"
mkdir -p "$OLLAMA_MODELS" "$CACHE_DIR/logs"
logfile="$CACHE_DIR/logs/ollama-serve-$port.log"

log "starting $OLLAMA_BIN serve on $OLLAMA_HOST (models: $OLLAMA_MODELS, parallel: $OLLAMA_NUM_PARALLEL, log: $logfile)"
# setsid: own session, so the caller's Ctrl-C / job control does not reach it; stdin closed.
setsid "$OLLAMA_BIN" serve </dev/null >"$logfile" 2>&1 &
pid=$!
echo "$pid" >"$CACHE_DIR/logs/ollama-serve-$port.pid"

deadline=$(( $(date +%s) + ${OLLAMA_START_TIMEOUT:-60} ))
until version="$(curl -fsS --max-time 2 "http://$OLLAMA_HOST/api/version" 2>/dev/null)"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "ollama serve exited early; last lines of $logfile:"; tail -n 20 "$logfile" >&2; exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "no answer from http://$OLLAMA_HOST/api/version in time; stopping pid $pid"
    kill "$pid" 2>/dev/null || true; tail -n 20 "$logfile" >&2; exit 1
  fi
  sleep 0.2
done
log "ready: $version (pid $pid)"
# The caller evals this: %q quotes each value for the shell (a path with spaces, quotes or `$(...)` stays data).
printf 'export OLLAMA_HOST=%q\nexport OLLAMA_PID=%q\nexport OLLAMA_BIN=%q\n' "$OLLAMA_HOST" "$pid" "$OLLAMA_BIN"
