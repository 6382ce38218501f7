#!/usr/bin/env bash
# PostgreSQL server binaries from Debian's packages (initdb, pg_ctl, postgres), for the local
# production-shape cluster. Idempotent: when a server is installed, installs nothing.
# Prints the bin folder (e.g. /usr/lib/postgresql/15/bin) as the only line on stdout.
# The cluster scripts start the server in a data folder of their own (not Debian's `main`
# cluster, which stays down), as the `postgres` user when run as root (initdb refuses root).
set -euo pipefail
log() { printf '[postgres-install] %s\n' "$*" >&2; }

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  return 1
}

if bin="$(find_bin)"; then
  log "using $("$bin/postgres" --version) from $bin"
  printf '%s\n' "$bin"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    log "no PostgreSQL server and not root: run 'apt-get install -y postgresql' as root"
    exit 1
  fi
fi
log "apt-get install -y postgresql (Debian's server packages)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || log "apt-get update had errors (continuing)"
# RUNLEVEL=1: the package's scripts create Debian's `main` cluster but do not start it.
$SUDO env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends postgresql >&2
bin="$(find_bin)" || { log "postgresql installed but no server binaries found under /usr/lib/postgresql"; exit 1; }
log "using $("$bin/postgres" --version) from $bin"
printf '%s\n' "$bin"
