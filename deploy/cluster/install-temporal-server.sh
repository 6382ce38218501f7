#!/usr/bin/env bash
# Obtain the official Temporal server and its SQL schema tool, built from the Go module
# go.temporal.io/server (a released tag whose go.mod has no `replace`), cached per version:
#   $CACHE/temporal-server-$VERSION/bin/temporal-server     (go.temporal.io/server/cmd/server)
#   $CACHE/temporal-server-$VERSION/bin/temporal-sql-tool   (go.temporal.io/server/cmd/tools/sql)
#   $CACHE/temporal-server-$VERSION/schema/postgresql/...    (copied from the module source)
# Idempotent: a second run finds the cached binaries and builds nothing.
# v1.32.1 is the newest tag that builds with this machine's Go 1.26.8 (v1.31.5 and v1.32.2 ask
# for Go >= 1.26.10). TEMPORAL_SERVER_VERSION overrides (then GOTOOLCHAIN may be needed).
# Logs go to stderr; the only line on stdout is the cache folder of this version.
# The build runs under `nice -n ${TEMPORAL_BUILD_NICE:-15}`; a cold build takes ~10 min on 2 cores.
set -euo pipefail

TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.32.1}"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
DEST="$CACHE_DIR/temporal-server-$TEMPORAL_SERVER_VERSION"
NICE="${TEMPORAL_BUILD_NICE:-15}"
log() { printf '[temporal-server-install] %s\n' "$*" >&2; }

report() {
  log "using $1: $DEST/bin/temporal-server ($("$DEST/bin/temporal-server" --version 2>/dev/null | head -n 1 || echo 'version unknown')), $DEST/bin/temporal-sql-tool, schemas in $DEST/schema"
  printf '%s\n' "$DEST"
}

if [ -x "$DEST/bin/temporal-server" ] && [ -x "$DEST/bin/temporal-sql-tool" ] && [ -d "$DEST/schema/postgresql" ]; then
  report "cached build"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "no Go toolchain: install Go (1.26.8 or newer) to build the Temporal server"
  exit 1
fi

mkdir -p "$CACHE_DIR/logs" "$DEST.tmp/bin"
build_log="$CACHE_DIR/logs/temporal-server-build.log"
modfile="$(go env GOMODCACHE)/cache/download/go.temporal.io/server/@v/$TEMPORAL_SERVER_VERSION.mod"
go mod download go.temporal.io/server@"$TEMPORAL_SERVER_VERSION" >&2 || true
if [ -f "$modfile" ] && grep -q '^replace\|^[[:space:]]*replace' "$modfile"; then
  log "go.temporal.io/server@$TEMPORAL_SERVER_VERSION has a replace directive in go.mod: go install refuses it; pick another version"
  exit 1
fi

log "go install go.temporal.io/server/cmd/server + cmd/tools/sql @$TEMPORAL_SERVER_VERSION (a cold build takes ~10 min on 2 cores; output in $build_log)"
start=$(date +%s)
export GOBIN="$DEST.tmp/bin" CGO_ENABLED=0
if ! nice -n "$NICE" go install -trimpath -ldflags "-s -w" \
  "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
  "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" >"$build_log" 2>&1; then
  log "go install failed; the end of $build_log:"
  tail -n 30 "$build_log" >&2
  exit 1
fi
mv "$GOBIN/server" "$GOBIN/temporal-server"
mv "$GOBIN/sql" "$GOBIN/temporal-sql-tool"
src="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION"
mkdir -p "$DEST.tmp/schema"
cp -R "$src/schema/postgresql" "$DEST.tmp/schema/"
chmod -R u+w "$DEST.tmp/schema"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
log "build took $(( $(date +%s) - start ))s; binaries $(du -sh "$DEST/bin" | cut -f1)"
report "go install $TEMPORAL_SERVER_VERSION"
