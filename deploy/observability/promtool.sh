#!/usr/bin/env bash
# Prints the path of a promtool: the one on PATH, else Debian's `prometheus` .deb unpacked into the
# cache (~/.cache/civicos/deb-prometheus; a second run downloads nothing). The package is unpacked,
# never installed: installing it would start a Prometheus daemon (its init script / systemd unit).
# Used by deploy/validate.sh and .ci/run (which puts the directory on PATH for the tests).
set -euo pipefail
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
promtool_dir="$CACHE_DIR/deb-prometheus"
log() { printf '[promtool] %s\n' "$*" >&2; }

promtool="$(command -v promtool || true)"
if [ -z "$promtool" ]; then
  promtool="$(find "$promtool_dir/extract" -name promtool -type f 2>/dev/null | head -n 1 || true)"
fi
if [ -z "$promtool" ]; then
  log "fetching Debian's prometheus .deb (for promtool) into $promtool_dir"
  mkdir -p "$promtool_dir/extract"
  (cd "$promtool_dir" && apt-get download prometheus >&2) || {
    [ "$(id -u)" = 0 ] && apt-get update -qq >&2 && (cd "$promtool_dir" && apt-get download prometheus >&2)
  }
  dpkg-deb -x "$(ls -t "$promtool_dir"/prometheus_*.deb | head -n 1)" "$promtool_dir/extract"
  rm -f "$promtool_dir"/prometheus_*.deb
  promtool="$(find "$promtool_dir/extract" -name promtool -type f | head -n 1)"
fi
printf '%s\n' "$promtool"
