#!/usr/bin/env bash
# Obtain the Temporal Web UI server, built from its Go module github.com/temporalio/ui-server/v2
# (the UI's assets are embedded in the module; no `replace` in its go.mod), cached per version:
#   $CACHE/temporal-ui-server-$VERSION/bin/temporal-ui-server
# Idempotent. v2.55.0 is the newest tag that builds with this machine's Go 1.26.8 (v2.56.1 and
# later ask for Go >= 1.26.10); TEMPORAL_UI_VERSION overrides.
# Logs go to stderr; the only line on stdout is the binary's path. A cold build takes ~2-4 min.
set -euo pipefail

TEMPORAL_UI_VERSION="${TEMPORAL_UI_VERSION:-v2.55.0}"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
DEST="$CACHE_DIR/temporal-ui-server-$TEMPORAL_UI_VERSION"
NICE="${TEMPORAL_BUILD_NICE:-15}"
log() { printf '[temporal-ui-install] %s\n' "$*" >&2; }

if [ -x "$DEST/bin/temporal-ui-server" ]; then
  log "using cached build: $DEST/bin/temporal-ui-server ($TEMPORAL_UI_VERSION)"
  printf '%s\n' "$DEST/bin/temporal-ui-server"
  exit 0
fi
command -v go >/dev/null 2>&1 || { log "no Go toolchain: install Go to build the Web UI server"; exit 1; }

mkdir -p "$CACHE_DIR/logs" "$DEST.tmp/bin"
build_log="$CACHE_DIR/logs/temporal-ui-build.log"
log "go install github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION (output in $build_log)"
start=$(date +%s)
if ! GOBIN="$DEST.tmp/bin" CGO_ENABLED=0 nice -n "$NICE" go install -trimpath -ldflags "-s -w" \
  "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION" >"$build_log" 2>&1; then
  log "go install failed; the end of $build_log:"
  tail -n 30 "$build_log" >&2
  exit 1
fi
mv "$DEST.tmp/bin/server" "$DEST.tmp/bin/temporal-ui-server"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
log "build took $(( $(date +%s) - start ))s"
printf '%s\n' "$DEST/bin/temporal-ui-server"
