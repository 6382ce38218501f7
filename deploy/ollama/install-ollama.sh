#!/usr/bin/env bash
# Obtain a real Ollama binary using nothing but the package registries (Go module proxy,
# Debian apt). Order:
#   1. `ollama` already on PATH            (skip with CIVICOS_IGNORE_PATH_OLLAMA=1)
#   2. one this script built before, in the cache ($CACHE/bin/ollama)
#   3. `go install github.com/ollama/ollama@$OLLAMA_GO_VERSION` with GOBIN=$CACHE/bin
#      (CPU-only build: the ggml CPU backend and llama.cpp are compiled in through cgo).
# v0.24.0 is the newest tag that builds offline; later tags fetch llama-server at build time.
# The Go module zip leaves out llama.cpp's vendored headers, so they come from Debian:
#   nlohmann-json3-dev (nlohmann/json.hpp, json_fwd.hpp) and libstb-dev (stb/stb_image.h),
#   apt-installed; libminiaudio-dev (miniaudio.h, at the top of /usr/include) exists only from
#   trixie on (not in bookworm-backports), so on bookworm its Architecture: all .deb is fetched
#   from the configured Debian mirror with a private apt config and unpacked into the cache.
# miniaudio.h and stb_image.h are exposed as miniaudio/… and stb/… through a folder in the
# cache passed with CGO_CPPFLAGS=-I<folder>.
# Logs go to stderr; the absolute path of the binary is the only line on stdout.
# Heavy steps run under `nice -n ${OLLAMA_BUILD_NICE:-15}`.
set -euo pipefail

OLLAMA_GO_VERSION="${OLLAMA_GO_VERSION:-v0.24.0}"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
BIN_DIR="$CACHE_DIR/bin"
INC_DIR="$CACHE_DIR/include/ollama-build"
NICE="${OLLAMA_BUILD_NICE:-15}"
log() { printf '[ollama-install] %s\n' "$*" >&2; }

report() {
  local path="$1" how="$2" version
  version="$("$path" --version 2>&1 | grep -io 'version is .*' | tail -n 1 || true)"
  log "using $how: $path (${version:-version unknown})"
  printf '%s\n' "$path"
}

if [ "${CIVICOS_IGNORE_PATH_OLLAMA:-0}" != "1" ] && command -v ollama >/dev/null 2>&1; then
  report "$(command -v ollama)" "ollama on PATH"
  exit 0
fi

if [ -x "$BIN_DIR/ollama" ]; then
  report "$BIN_DIR/ollama" "cached build"
  exit 0
fi

# ---------------------------------------------------------------- build dependencies
APT_ENV=(env DEBIAN_FRONTEND=noninteractive)
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
fi
can_root() { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; }
as_root() { $SUDO "$@"; }

# Host of the Debian mirror the system already uses (the only one reachable here).
debian_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri="$(awk '/^URIs:/{u=$2} /^Suites:/{ if (u !~ /security/) { print u; exit } }' \
      /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^https?:/) { print $i; exit } }' \
      /etc/apt/sources.list)"
  fi
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

APT_UPDATED=0
apt_install() {
  if ! can_root; then
    log "not root and no passwordless sudo: install $* yourself"
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then
    as_root "${APT_ENV[@]}" apt-get update -qq >&2 || log "apt-get update had errors (continuing)"
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  as_root "${APT_ENV[@]}" apt-get install -y -q --no-install-recommends "$@" >&2
}

# Where a header of the system or of an extracted .deb is: prints its path.
find_header() {
  local f
  for f in "$@"; do [ -f "$f" ] && { printf '%s\n' "$f"; return 0; }; done
  return 1
}

# miniaudio.h: libminiaudio-dev exists in Debian from trixie on (not in bookworm nor
# bookworm-backports). On bookworm, fetch trixie's Architecture: all .deb with a private apt
# configuration (the system's sources stay untouched; apt checks the signed index) and unpack
# it into the cache.
MINIAUDIO_DEB_SUITE="${MINIAUDIO_DEB_SUITE:-trixie}"
fetch_miniaudio_deb() {
  local root="$CACHE_DIR/deb-$MINIAUDIO_DEB_SUITE" mirror
  mirror="$(debian_mirror)"
  mkdir -p "$root/lists/partial" "$root/archives/partial" "$root/extract"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$mirror" "$MINIAUDIO_DEB_SUITE" >"$root/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$root/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$root/lists" -o "Dir::Cache::archives=$root/archives"
    -o Dir::State::status=/dev/null -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
    -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false
    -o APT::Sandbox::User=root)
  log "fetching libminiaudio-dev from Debian $MINIAUDIO_DEB_SUITE ($mirror) into $root"
  apt-get "${opts[@]}" update -qq >&2
  (cd "$root/archives" && apt-get "${opts[@]}" download libminiaudio-dev >&2)
  local deb
  deb="$(ls -t "$root"/archives/libminiaudio-dev_*.deb | head -n 1)"
  dpkg-deb -x "$deb" "$root/extract"
  rm -rf "$root/lists"   # indexes are only needed for the download (~20 MB)
}

ensure_build_deps() {
  local pkgs=()
  find_header /usr/include/nlohmann/json.hpp >/dev/null && find_header /usr/include/nlohmann/json_fwd.hpp >/dev/null \
    || pkgs+=(nlohmann-json3-dev)
  find_header /usr/include/stb/stb_image.h /usr/include/stb_image.h >/dev/null || pkgs+=(libstb-dev)
  { command -v gcc && command -v g++; } >/dev/null 2>&1 || pkgs+=(gcc g++ libc6-dev)
  if ! find_header /usr/include/miniaudio.h /usr/include/miniaudio/miniaudio.h >/dev/null \
    && [ -z "$(find "$CACHE_DIR/deb-$MINIAUDIO_DEB_SUITE/extract" -name miniaudio.h 2>/dev/null | head -n 1)" ] \
    && can_root && [ -n "$(apt-cache policy libminiaudio-dev 2>/dev/null | awk '/Candidate:/ && $2 != "(none)"')" ]; then
    pkgs+=(libminiaudio-dev)   # Debian trixie and later
  fi
  [ "${#pkgs[@]}" -eq 0 ] || apt_install "${pkgs[@]}"
  if ! find_header /usr/include/miniaudio.h /usr/include/miniaudio/miniaudio.h >/dev/null \
    && [ -z "$(find "$CACHE_DIR/deb-$MINIAUDIO_DEB_SUITE/extract" -name miniaudio.h 2>/dev/null | head -n 1)" ]; then
    fetch_miniaudio_deb
  fi
}

# Folder with the header paths llama.cpp's sources expect (stb/…, miniaudio/…).
prepare_include_dir() {
  mkdir -p "$INC_DIR/stb" "$INC_DIR/miniaudio"
  local f
  f="$(find_header /usr/include/miniaudio.h /usr/include/miniaudio/miniaudio.h \
    || find "$CACHE_DIR/deb-$MINIAUDIO_DEB_SUITE/extract" -name miniaudio.h | head -n 1)"
  [ -n "$f" ] || { log "miniaudio.h not found"; return 1; }
  ln -sfn "$f" "$INC_DIR/miniaudio/miniaudio.h"
  f="$(find_header /usr/include/stb/stb_image.h /usr/include/stb_image.h)" || { log "stb_image.h not found"; return 1; }
  ln -sfn "$f" "$INC_DIR/stb/stb_image.h"
}

if ! command -v go >/dev/null 2>&1; then
  log "no ollama found and no Go toolchain to build one; install Ollama yourself (https://ollama.com/download)"
  exit 1
fi

ensure_build_deps
prepare_include_dir
mkdir -p "$BIN_DIR"

export GOBIN="$BIN_DIR"
export CGO_ENABLED=1
export CGO_CPPFLAGS="${CGO_CPPFLAGS:+$CGO_CPPFLAGS }-I$INC_DIR"
# The cgo build of ggml's CPU backend gets no SIMD beyond SSE2 unless the compiler is told the
# target: use x86-64-v3 (AVX2/FMA/F16C, any x86 CPU since ~2013) when this CPU has it, which
# roughly triples the speed. OLLAMA_BUILD_CFLAGS overrides ("-O3" for a portable binary,
# "-O3 -march=native" for this exact CPU).
default_cflags="-O3"
if [ "$(uname -m)" = x86_64 ] && grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | grep -qw avx2 \
  && grep -m1 '^flags' /proc/cpuinfo | grep -qw fma && grep -m1 '^flags' /proc/cpuinfo | grep -qw f16c \
  && grep -m1 '^flags' /proc/cpuinfo | grep -qw bmi2; then
  default_cflags="-O3 -march=x86-64-v3"
fi
export CGO_CFLAGS="${OLLAMA_BUILD_CFLAGS:-$default_cflags}"
export CGO_CXXFLAGS="$CGO_CFLAGS"
build_log="$CACHE_DIR/logs/ollama-build.log"
mkdir -p "$CACHE_DIR/logs"

log "go install github.com/ollama/ollama@$OLLAMA_GO_VERSION with GOBIN=$GOBIN CGO_CPPFLAGS='$CGO_CPPFLAGS' CGO_CFLAGS/CXXFLAGS='$CGO_CFLAGS' (about 7 min on 2 cores; compiler output in $build_log)"
start=$(date +%s)
if ! nice -n "$NICE" go install -trimpath \
  -ldflags "-s -w -X github.com/ollama/ollama/version.Version=${OLLAMA_GO_VERSION#v}" \
  "github.com/ollama/ollama@$OLLAMA_GO_VERSION" >"$build_log" 2>&1; then
  log "go install failed; errors from $build_log:"
  grep -E 'error|fatal|go: ' "$build_log" | grep -v Wno-error | tail -n 30 >&2 || tail -n 30 "$build_log" >&2
  exit 1
fi
log "build took $(( $(date +%s) - start ))s; binary $(du -h "$BIN_DIR/ollama" | cut -f1)"
report "$BIN_DIR/ollama" "go install $OLLAMA_GO_VERSION"
