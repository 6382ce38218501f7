import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { CodecKeyError, parseCodecKeys, type CodecKeys } from './codec/keys';
import { approverIdentity, approversSchema, type ApproverConfig } from '../common/approvers';
import { formatZodIssues, ProblemsError } from '../common/failures';
import { redactSecrets } from '../common/redact';
import type { ProviderHostPolicy } from '../common/routing-matrix';
import { DEFAULT_APPROVERS } from '../config/approvers';

/**
 * Every environment variable the platform reads, validated once at start-up.
 * Nothing else in the project reads `process.env` for configuration.
 */
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');

const port = z.coerce
  .number({ message: 'expected a port number' })
  .int('expected a whole number')
  .min(0, 'expected 0..65535')
  .max(65535, 'expected 0..65535');

/** Host configuration never carries a password: it would reach error messages, logs and history. */
const CREDENTIALS_IN_URL = 'must not carry credentials (user:password@); give the host without them and keep secrets in their own variables';

const httpUrl = z
  .string()
  .url('expected an http(s) URL, e.g. http://127.0.0.1:8080')
  .refine((value) => /^https?:\/\//.test(value), 'expected an http(s) URL')
  .refine((value) => !hasCredentials(value), CREDENTIALS_IN_URL);


function hasCredentials(value: string): boolean {
  // Also catches what URL() would not parse, e.g. "user:pass@host:port" without a scheme.
  return /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*@/i.test(value.trim());
}

/** A comma-separated list of host names or IP literals (no scheme, port or path): `hooks.example.org,127.0.0.1,[::1]`. */
const hostList = z
  .string()
  .transform((value) => value.split(',').map((h) => h.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/, 'each entry is a host name or IP address, without scheme, port or path')))
  .transform((hosts) => hosts.map((h) => h.replace(/^\[(.*)\]$/, '$1').toLowerCase()));

/** Comma-separated identities (directors, approvers): letters, digits, . _ @ - */
const identityList = z
  .string()
  .transform((value) => value.split(',').map((h) => h.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'each entry is an identity such as dana or dana@civicos.example')));

const modelHost = z.object({
  name: z.string().min(1).regex(/^[a-z0-9-]+$/, 'host names are lower-case letters, digits and dashes'),
  url: httpUrl,
  slots: z.number().int().min(1).max(64),
  reservedForProd: z.number().int().min(0).optional(),
});

const envSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore').default('default'),
  CIVICOS_TEMPORAL_UI_PORT: port.default(8233),
  CIVICOS_DATA_DIR: z.string().min(1).optional(),
  CIVICOS_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  CIVICOS_METRICS_PORT: port.default(9464),
  CIVICOS_ALERT_WEBHOOK: httpUrl.optional(),
  /** Base URL of the (single) Ollama host, as Ollama itself spells it; see CIVICOS_MODEL_HOSTS for several. */
  OLLAMA_HOST: z.string().min(1).optional(),
  /** Parallel slots of OLLAMA_HOST (its OLLAMA_NUM_PARALLEL). */
  CIVICOS_MODEL_SLOTS: z.coerce.number().int('expected a whole number').min(1, 'at least 1 slot').max(64, 'at most 64 slots').default(2),
  /** JSON list of model hosts: [{"name":"gpu-a","url":"http://10.0.0.5:11500","slots":4}] */
  CIVICOS_MODEL_HOSTS: z.string().optional(),
  /** Admission caps: unfinished requests per lane; past it a submit is refused with QueueFull. */
  CIVICOS_QUEUE_CAP_PROD: z.coerce.number().int('expected a whole number').min(1, 'at least 1').default(200),
  CIVICOS_QUEUE_CAP_EXPERIMENTAL: z.coerce.number().int('expected a whole number').min(1, 'at least 1').default(5000),
  /** Default time an experimental request may wait in the queue before it expires (recorded). */
  CIVICOS_EXPERIMENTAL_TTL_S: z.coerce.number().int('expected whole seconds').min(1, 'at least 1 second').default(3600),
  /** Experimental work gets no new slot while the prod backlog is older than this. */
  CIVICOS_PROD_BACKLOG_DEFER_MS: z.coerce.number().int('expected whole milliseconds').min(0, 'at least 0').default(2000),
  /** How long a prod request waits for a down model host before its route's fallback applies (default: the prod queue SLO). */
  CIVICOS_PROD_HOST_WAIT_S: z.coerce.number().min(0, 'at least 0').default(30),
  /** First-token deadline of a model call (covers a cold model load and prompt evaluation). */
  CIVICOS_FIRST_TOKEN_TIMEOUT_S: z.coerce.number().min(1, 'at least 1 second').default(120),
  /** Per-model first-token deadlines, JSON: {"qwen2.5-coder:32b":240}. */
  CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: z.string().optional(),
  /** Longest gap between two tokens of a stream before the call counts as hung. */
  CIVICOS_INTER_TOKEN_TIMEOUT_S: z.coerce.number().min(1, 'at least 1 second').default(20),
  /** Alert when a lane stays paused longer than this. */
  CIVICOS_ALERT_PAUSED_AFTER_S: z.coerce.number().min(0, 'at least 0').default(900),
  /** Alert when the oldest prod task waits longer than this (the prod queue-wait SLO). */
  CIVICOS_PROD_BACKLOG_SLO_S: z.coerce.number().min(0, 'at least 0').default(30),
  /** How often the queue monitor checks (alerts) and inference workers publish slot usage. */
  CIVICOS_MONITOR_INTERVAL_MS: z.coerce.number().int('expected whole milliseconds').min(100, 'at least 100').default(5000),
  /** Hosts a webhook callback may reach although they resolve to a loopback, private or link-local address. */
  CIVICOS_CALLBACK_HOSTS: hostList.default([]),
  /** Hosts (besides loopback) a `local` provider of the routing matrix may point at, e.g. a GPU box on the LAN. */
  CIVICOS_LOCAL_PROVIDER_HOSTS: hostList.default([]),
  /** Directors whose `director_request` may send a request to a cloud model. */
  CIVICOS_DIRECTORS: identityList.default([]),
  /**
   * Development and tests only: lets a cloud provider use plain http on a loopback address (the
   * OpenAI simulator). Never set it in production: cloud providers are https only.
   */
  CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD: z.enum(['0', '1'], { error: 'use 1 (dev/test only) or 0' }).default('0'),
  /** auto: real Ollama if one answers, else the simulator (labelled); real; simulator. */
  CIVICOS_OLLAMA_MODE: z.enum(['auto', 'real', 'simulator']).default('auto'),
  /** Payload-encryption keys (JSON or a file path); parsed below, never echoed. */
  CIVICOS_CODEC_KEYS: z.string().optional(),
  /** Port of the codec server the Web UI decodes payloads through. */
  CIVICOS_CODEC_PORT: port.default(8081),
  /** Who this client is (recorded on drafts and approvals); default: the OS user. */
  CIVICOS_IDENTITY: approverIdentity().optional(),
  /** Approvers per action, JSON: {"send-comms":["ada.okafor"]}; replaces config/approvers.ts. */
  CIVICOS_APPROVERS: z.string().optional(),
});

export type ModelHost = z.infer<typeof modelHost>;

export interface PlatformEnv {
  temporalAddress: string;
  namespace: string;
  uiPort: number;
  dataDir: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  metricsPort: number;
  alertWebhook: string | undefined;
  ollamaHost: string | undefined;
  modelSlots: number;
  modelHosts: ModelHost[] | undefined;
  ollamaMode: 'auto' | 'real' | 'simulator';
  callbackHosts: string[];
  /** What the routing matrix's providers may point at (checked where the matrix is loaded and used). */
  providerHosts: ProviderHostPolicy;
  directors: string[];
  queue: QueuePolicy;
  modelCalls: ModelCallPolicy;
  /** CIVICOS_CODEC_KEYS; undefined: the dev key in the data directory (see codec/keys.ts). */
  codecKeys: CodecKeys | undefined;
  codecPort: number;
  /** This client's identity: CIVICOS_IDENTITY, else the OS user. */
  identity: string;
  approvers: ApproverConfig;
}

/** How the inference worker judges a model call and its host (hang and outage detection). */
export interface ModelCallPolicy {
  firstTokenTimeoutMs: number;
  firstTokenTimeoutByModelMs: Record<string, number>;
  interTokenTimeoutMs: number;
  /** A prod request waits this long for a down host before falling back (`host_down`). */
  prodHostWaitMs: number;
}

export interface QueuePolicy {
  capProd: number;
  capExperimental: number;
  experimentalTtlSeconds: number;
  prodBacklogDeferMs: number;
  alertPausedAfterSeconds: number;
  prodBacklogSloSeconds: number;
  monitorIntervalMs: number;
}

const FIXES: Record<string, string> = {
  TEMPORAL_ADDRESS: 'set it to host:port of the Temporal frontend, e.g. TEMPORAL_ADDRESS=127.0.0.1:7233',
  TEMPORAL_NAMESPACE: 'use an existing namespace name, e.g. TEMPORAL_NAMESPACE=default',
  CIVICOS_TEMPORAL_UI_PORT: 'use a free TCP port, e.g. 8233',
  CIVICOS_LOG_LEVEL: 'use one of trace, debug, info, warn, error',
  CIVICOS_METRICS_PORT: 'use a free TCP port, or 0 to turn the Prometheus endpoint off',
  CIVICOS_ALERT_WEBHOOK: 'use a full URL such as http://127.0.0.1:9000/alerts, or unset it',
  OLLAMA_HOST: 'use the Ollama base URL, e.g. http://127.0.0.1:PORT',
  CIVICOS_MODEL_SLOTS: 'set it to the Ollama host\'s OLLAMA_NUM_PARALLEL, e.g. 2',
  CIVICOS_MODEL_HOSTS: 'give a JSON list such as [{"name":"gpu-a","url":"http://10.0.0.5:11500","slots":2}]',
  CIVICOS_OLLAMA_MODE: 'use auto, real or simulator',
  CIVICOS_QUEUE_CAP_PROD: 'set the maximum of unfinished prod requests, e.g. 200',
  CIVICOS_QUEUE_CAP_EXPERIMENTAL: 'set the maximum of unfinished experimental requests, e.g. 5000',
  CIVICOS_EXPERIMENTAL_TTL_S: 'set whole seconds, e.g. 3600',
  CIVICOS_PROD_BACKLOG_DEFER_MS: 'set whole milliseconds, e.g. 2000',
  CIVICOS_PROD_HOST_WAIT_S: 'set seconds, e.g. 30',
  CIVICOS_FIRST_TOKEN_TIMEOUT_S: 'set seconds ≥ 1, e.g. 120',
  CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: 'give a JSON object of model → seconds, e.g. {"qwen2.5-coder:32b":240}',
  CIVICOS_INTER_TOKEN_TIMEOUT_S: 'set seconds ≥ 1, e.g. 20',
  CIVICOS_ALERT_PAUSED_AFTER_S: 'set seconds, e.g. 900',
  CIVICOS_PROD_BACKLOG_SLO_S: 'set seconds, e.g. 30',
  CIVICOS_MONITOR_INTERVAL_MS: 'set whole milliseconds ≥ 100, e.g. 5000',
  CIVICOS_CALLBACK_HOSTS: 'list host names or IP addresses, comma-separated, e.g. 127.0.0.1,hooks.internal.example',
  CIVICOS_LOCAL_PROVIDER_HOSTS: 'list host names or IP addresses, comma-separated, e.g. gpu-a.lan,10.0.0.5',
  CIVICOS_DIRECTORS: 'list the directors, comma-separated, e.g. dana,lee@civicos.example',
  CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD: 'unset it (production), or 1 in development and tests only',
  CIVICOS_CODEC_PORT: 'use a free TCP port, e.g. 8081',
  CIVICOS_IDENTITY: 'use a user name such as ada.okafor, or unset it to use the OS user',
  CIVICOS_APPROVERS: 'give a JSON object of action → identities, e.g. {"send-comms":["ada.okafor","mara.lindqvist"]}',
};

export class ConfigError extends ProblemsError {
  override readonly name = 'ConfigError';
  constructor(problems: string[]) {
    super('Invalid configuration', problems);
  }
}

const projectRoot = path.resolve(__dirname, '..');

/** `[0][name]`: where in a JSON-valued variable an issue is. */
function indexed(path: readonly PropertyKey[]): string {
  return path.map((p) => `[${String(p)}]`).join('');
}

function normaliseOllamaUrl(value: string): string {
  const withScheme = /^https?:\/\//.test(value) ? value : `http://${value}`;
  return withScheme.replace(/\/+$/, '');
}

/** Parse and validate the environment; throws ConfigError naming each bad variable and its fix. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): PlatformEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const name = (path: readonly PropertyKey[]) => String(path[0]);
    // Key material is never echoed, even when it is malformed.
    const quoted = (path: readonly PropertyKey[]) => (name(path) === 'CIVICOS_CODEC_KEYS' ? '(not shown)' : shown(source[name(path)]));
    throw new ConfigError(
      formatZodIssues(parsed.error, {
        root: 'environment',
        field: (path) => `${name(path)}=${quoted(path)}`,
        fix: (path) => FIXES[name(path)] ?? 'see README',
      }),
    );
  }
  const env = parsed.data;
  let modelHosts: ModelHost[] | undefined;
  if (env.CIVICOS_MODEL_HOSTS) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.CIVICOS_MODEL_HOSTS);
    } catch {
      throw new ConfigError([`CIVICOS_MODEL_HOSTS: not valid JSON. Fix: ${FIXES.CIVICOS_MODEL_HOSTS}`]);
    }
    const hosts = z.array(modelHost).min(1).safeParse(raw);
    if (!hosts.success) {
      throw new ConfigError(
        formatZodIssues(hosts.error, { root: 'CIVICOS_MODEL_HOSTS', field: (path) => `CIVICOS_MODEL_HOSTS${indexed(path)}`, fix: () => FIXES.CIVICOS_MODEL_HOSTS ?? 'see README' }),
      );
    }
    const names = hosts.data.map((h) => h.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new ConfigError([`CIVICOS_MODEL_HOSTS: host name "${duplicate}" appears twice. Fix: give each host a unique name`]);
    modelHosts = hosts.data;
  }
  const firstTokenTimeoutByModelMs = parseSecondsByModel(env.CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL);
  if (env.OLLAMA_HOST !== undefined && hasCredentials(env.OLLAMA_HOST)) {
    throw new ConfigError([`OLLAMA_HOST=${shown(env.OLLAMA_HOST)}: ${CREDENTIALS_IN_URL}. Fix: ${FIXES.OLLAMA_HOST}`]);
  }
  if (env.OLLAMA_HOST !== undefined && !/^(https?:\/\/)?[A-Za-z0-9.\-_]+(:\d{1,5})?\/?$/.test(env.OLLAMA_HOST)) {
    throw new ConfigError([`OLLAMA_HOST=${shown(env.OLLAMA_HOST)}: expected a URL or host:port. Fix: ${FIXES.OLLAMA_HOST}`]);
  }
  let codecKeys: CodecKeys | undefined;
  try {
    codecKeys = env.CIVICOS_CODEC_KEYS ? parseCodecKeys(env.CIVICOS_CODEC_KEYS) : undefined;
  } catch (error) {
    if (error instanceof CodecKeyError) throw new ConfigError(error.problems);
    throw error;
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    uiPort: env.CIVICOS_TEMPORAL_UI_PORT,
    dataDir: path.resolve(env.CIVICOS_DATA_DIR ?? path.join(projectRoot, '.data')),
    logLevel: env.CIVICOS_LOG_LEVEL,
    metricsPort: env.CIVICOS_METRICS_PORT,
    alertWebhook: env.CIVICOS_ALERT_WEBHOOK,
    ollamaHost: env.OLLAMA_HOST === undefined ? undefined : normaliseOllamaUrl(env.OLLAMA_HOST),
    modelSlots: env.CIVICOS_MODEL_SLOTS,
    modelHosts,
    ollamaMode: env.CIVICOS_OLLAMA_MODE,
    callbackHosts: env.CIVICOS_CALLBACK_HOSTS,
    providerHosts: { localHosts: env.CIVICOS_LOCAL_PROVIDER_HOSTS, allowLoopbackHttpCloud: env.CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD === '1' },
    directors: env.CIVICOS_DIRECTORS,
    queue: {
      capProd: env.CIVICOS_QUEUE_CAP_PROD,
      capExperimental: env.CIVICOS_QUEUE_CAP_EXPERIMENTAL,
      experimentalTtlSeconds: env.CIVICOS_EXPERIMENTAL_TTL_S,
      prodBacklogDeferMs: env.CIVICOS_PROD_BACKLOG_DEFER_MS,
      alertPausedAfterSeconds: env.CIVICOS_ALERT_PAUSED_AFTER_S,
      prodBacklogSloSeconds: env.CIVICOS_PROD_BACKLOG_SLO_S,
      monitorIntervalMs: env.CIVICOS_MONITOR_INTERVAL_MS,
    },
    modelCalls: {
      firstTokenTimeoutMs: env.CIVICOS_FIRST_TOKEN_TIMEOUT_S * 1000,
      firstTokenTimeoutByModelMs,
      interTokenTimeoutMs: env.CIVICOS_INTER_TOKEN_TIMEOUT_S * 1000,
      prodHostWaitMs: env.CIVICOS_PROD_HOST_WAIT_S * 1000,
    },
    codecKeys,
    codecPort: env.CIVICOS_CODEC_PORT,
    identity: env.CIVICOS_IDENTITY ?? os.userInfo().username,
    approvers: parseApprovers(env.CIVICOS_APPROVERS),
  };
}

/** How a bad value is quoted in an error: redacted, and a URL with credentials not at all. */
function shown(value: string | undefined): string {
  if (value === undefined) return '""';
  if (hasCredentials(value)) return '(a value with credentials, not shown)';
  return JSON.stringify(redactSecrets(value));
}

function parseApprovers(text: string | undefined): ApproverConfig {
  if (!text) return DEFAULT_APPROVERS;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError([`CIVICOS_APPROVERS: not valid JSON. Fix: ${FIXES.CIVICOS_APPROVERS}`]);
  }
  const parsed = approversSchema().safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      formatZodIssues(parsed.error, { root: 'CIVICOS_APPROVERS', field: (path) => `CIVICOS_APPROVERS${indexed(path)}`, fix: () => FIXES.CIVICOS_APPROVERS ?? 'see README' }),
    );
  }
  return parsed.data;
}

function parseSecondsByModel(text: string | undefined): Record<string, number> {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError([`CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: not valid JSON. Fix: ${FIXES.CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL}`]);
  }
  const parsed = z.record(z.string().min(1), z.number().min(1, 'at least 1 second')).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      formatZodIssues(parsed.error, {
        root: 'CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL',
        field: (path) => `CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL${indexed(path)}`,
        fix: () => FIXES.CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL ?? 'see README',
      }),
    );
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([model, seconds]) => [model, seconds * 1000]));
}

/**
 * Reads a credential from the environment by the name configuration gives (e.g. the routing
 * matrix's `apiKeyEnv`). Kept here so every environment read stays in this module; the value
 * is never logged.
 */
export function readSecret(name: string, source: NodeJS.ProcessEnv = process.env): string | undefined {
  // Only provider-key variables: a configured name cannot read out anything else (TEMPORAL_*, PATH, a database password).
  if (!name.startsWith('CIVICOS_CLOUD_KEY_')) return undefined;
  const value = source[name];
  return value && value.trim() ? value.trim() : undefined;
}
