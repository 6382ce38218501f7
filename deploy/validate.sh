#!/usr/bin/env bash
# Offline checks of the deployment files (nothing here talks to a cluster or the internet at check time):
#   - Kubernetes manifests (deploy/k8s/*.yaml): kubernetes-validate --strict, from PyPI, which ships
#     the Kubernetes OpenAPI schemas inside the package (types, required fields, unknown fields);
#   - the compose file (deploy/compose.yaml): check-jsonschema against the compose-spec schema it
#     vendors (--builtin-schema vendor.compose-spec);
#   - Prometheus configs: promtool check config (promtool from Debian's `prometheus` .deb, unpacked
#     into the cache: installing the package would start a Prometheus daemon);
#   - the Temporal dynamic config: temporal-server validate-dynamic-config (known keys and types),
#     when the cluster's server is built (deploy/cluster/install-temporal-server.sh).
# Tools are cached in ~/.cache/civicos (a venv, an unpacked .deb); a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
VENV="$CACHE_DIR/venv-deploy-validate"
KUBERNETES_VALIDATE_VERSION=1.37.0
CHECK_JSONSCHEMA_VERSION=0.39.0
log() { printf '[deploy-validate] %s\n' "$*" >&2; }

if ! "$VENV/bin/kubernetes-validate" --version 2>/dev/null | grep -q "$KUBERNETES_VALIDATE_VERSION" \
  || ! "$VENV/bin/check-jsonschema" --version 2>/dev/null | grep -q "$CHECK_JSONSCHEMA_VERSION"; then
  log "pip install kubernetes-validate==$KUBERNETES_VALIDATE_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" >&2
fi

manifests=()
for f in k8s/*.yaml; do [ "$(basename "$f")" = kustomization.yaml ] || manifests+=("$f"); done
log "kubernetes-validate --strict (schemas of Kubernetes $KUBERNETES_VALIDATE_VERSION, bundled): ${manifests[*]}"
"$VENV/bin/kubernetes-validate" --strict --quiet "${manifests[@]}"
# Every file the kustomization names exists (kubectl apply -k would fail on a missing one).
missing=0
for f in $(awk '/^ *- [A-Za-z0-9_./-]+\.ya?ml$/ {print $2}' k8s/kustomization.yaml); do
  [ -f "k8s/$f" ] || { log "k8s/kustomization.yaml names k8s/$f, which does not exist"; missing=1; }
done
[ "$missing" = 0 ]

log "check-jsonschema --builtin-schema vendor.compose-spec compose.yaml"
"$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml >&2

promtool_dir="$CACHE_DIR/deb-prometheus"
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
log "$promtool check config: prometheus/prometheus.yml k8s/config/prometheus.yml"
"$promtool" check config --syntax-only prometheus/prometheus.yml k8s/config/prometheus.yml >&2

server="$(ls -d "$CACHE_DIR"/temporal-server-v*/bin/temporal-server 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -n "$server" ]; then
  log "$server validate-dynamic-config k8s/config/dynamic-config.yaml"
  # It exits 0 on an unknown key (a warning): any warning or error fails the check.
  out="$("$server" validate-dynamic-config k8s/config/dynamic-config.yaml 2>&1)"
  printf '%s\n' "$out" >&2
  if printf '%s\n' "$out" | grep -qiE 'warning|error'; then log "dynamic config has unknown keys or bad values"; exit 1; fi
else
  log "temporal-server not built yet (deploy/cluster/install-temporal-server.sh): dynamic config keys not checked"
fi
log "deployment files valid"
