import type { z } from 'zod';
import { zod } from './zod';
import { LANES } from './lanes';
import { formatZodIssues } from './failures';
import { lazily } from './lazy';

/**
 * The routing matrix: versioned data that maps the standard's aliases to a provider and a model,
 * with a fallback chain per alias, which lanes each provider may serve, and the cloud envelope.
 * Pure (no Node APIs): workflows resolve routes with it after reading it through an activity.
 */
const name = () => zod().string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'allowed: lower-case letters, digits, . _ - (max 64)');
const aliasName = () => zod().string().regex(/^(local|cloud|pilot)\/[a-z0-9][a-z0-9._-]*$/, 'allowed: local/…, cloud/… or pilot/… followed by lower-case letters, digits, . _ -');

/** Provider keys live only in variables with this prefix: a matrix cannot name any other variable (and so read it out). */
export const API_KEY_ENV_PREFIX = 'CIVICOS_CLOUD_KEY_';

export const providerSchema = lazily('provider', () =>
  zod().strictObject({
    /** `ollama`: through the lane inference workers. `openai-compatible`: chat-completions over HTTP. */
    kind: zod().enum(['ollama', 'openai-compatible']),
    placement: zod().enum(['local', 'cloud']),
    baseUrl: zod()
      .string()
      .url('expected a URL such as http://127.0.0.1:8080/v1')
      .refine((value) => /^https?:\/\//.test(value), 'expected an http(s) URL')
      .refine((value) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*@/i.test(value), 'must not carry credentials (user:password@); the key goes in the apiKeyEnv variable')
      .optional(),
    /** Name of the environment variable holding the API key (never the key itself); always `CIVICOS_CLOUD_KEY_…`. */
    apiKeyEnv: zod()
      .string()
      .regex(new RegExp(`^${API_KEY_ENV_PREFIX}[A-Z0-9_]+$`), `must name a variable starting ${API_KEY_ENV_PREFIX}, e.g. ${API_KEY_ENV_PREFIX}OPENAI (only those may hold provider keys)`)
      .optional(),
    lanes: zod().array(zod().enum(LANES)).min(1, 'list at least one lane (prod, experimental)'),
    pricePer1kInputTokensUsd: zod().number().min(0).optional(),
    pricePer1kOutputTokensUsd: zod().number().min(0).optional(),
    /**
     * OpenAI-compatible providers: calls at once per lane and worker process (each lane has its own
     * task queue `civicos-provider-<name>-<lane>`), so the provider sees at most their sum per process.
     */
    concurrency: zod()
      .strictObject({ prod: zod().number().int().min(1).max(256), experimental: zod().number().int().min(1).max(256) })
      .default({ prod: 4, experimental: 2 }),
  }),
);

export const routeSchema = lazily('route', () =>
  zod().strictObject({
    provider: name(),
    model: zod().string().min(1).max(200),
    /** Aliases tried in order when this route fails (after its retries) or fails a quality gate. */
    fallback: zod().array(aliasName()).default([]),
  }),
);

export const promotionSchema = lazily('promotion record', () =>
  zod().strictObject({
    provider: name(),
    lane: zod().enum(LANES),
    approvedBy: zod().string().min(1, 'name who approved the promotion'),
    at: zod().string().datetime({ message: 'an ISO date-time, e.g. 2026-11-24T10:00:00Z' }),
    evidence: zod().string().min(1, 'point at the promotion-gate report'),
  }),
);

export const routingMatrixSchema = lazily('routing matrix', () =>
  zod()
    .strictObject({
      version: zod().number().int().min(1),
      description: zod().string().max(500).default(''),
      providers: zod().record(name(), providerSchema()),
      aliases: zod().record(aliasName(), routeSchema()),
      /** Provider serving concrete model names (not aliases). */
      defaultProvider: name(),
      cloud: zod().strictObject({
        /** Task classes that are premium: cloud allowed without a failed local gate. */
        premiumTaskClasses: zod().array(zod().string()).default([]),
        monthlyBudgetUsd: zod().number().min(0),
        maxRequestsPerDay: zod().number().int().min(0).default(1000),
      }),
      promotions: zod().array(promotionSchema()).default([]),
    })
    .superRefine((matrix, ctx) => {
      const providers = Object.keys(matrix.providers);
      if (!matrix.providers[matrix.defaultProvider]) {
        ctx.addIssue({ code: 'custom', path: ['defaultProvider'], message: `"${matrix.defaultProvider}" is not a provider; defined: ${providers.join(', ')}` });
      }
      for (const [providerName, provider] of Object.entries(matrix.providers)) {
        if (provider.kind === 'openai-compatible' && !provider.baseUrl) {
          ctx.addIssue({ code: 'custom', path: ['providers', providerName, 'baseUrl'], message: 'is required for an openai-compatible provider' });
        }
        if (provider.placement === 'cloud') {
          if (provider.baseUrl && !provider.baseUrl.startsWith('https://') && !isLoopbackUrl(provider.baseUrl)) {
            ctx.addIssue({ code: 'custom', path: ['providers', providerName, 'baseUrl'], message: 'a cloud provider must use https:// (plain http only on loopback, with CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD=1, for the dev/test simulator)' });
          }
          if (!provider.apiKeyEnv) ctx.addIssue({ code: 'custom', path: ['providers', providerName, 'apiKeyEnv'], message: 'is required for a cloud provider (the env variable holding its key)' });
          if (provider.pricePer1kInputTokensUsd === undefined || provider.pricePer1kOutputTokensUsd === undefined) {
            ctx.addIssue({ code: 'custom', path: ['providers', providerName], message: 'a cloud provider needs pricePer1kInputTokensUsd and pricePer1kOutputTokensUsd' });
          }
        }
        // The non-Ollama local pilot may serve prod only with a promotion record.
        if (provider.kind === 'openai-compatible' && provider.placement === 'local' && provider.lanes.includes('prod')) {
          const promoted = matrix.promotions.some((p) => p.provider === providerName && p.lane === 'prod');
          if (!promoted) {
            ctx.addIssue({
              code: 'custom',
              path: ['providers', providerName, 'lanes'],
              message: `the non-Ollama local provider "${providerName}" may serve lane experimental only; add a promotions entry {provider: "${providerName}", lane: "prod", approvedBy, at, evidence} from a passed promotion gate`,
            });
          }
        }
      }
      for (const [alias, route] of Object.entries(matrix.aliases)) {
        if (!matrix.providers[route.provider]) {
          ctx.addIssue({ code: 'custom', path: ['aliases', alias, 'provider'], message: `"${route.provider}" is not a provider; defined: ${providers.join(', ')}` });
        }
        for (const [i, next] of route.fallback.entries()) {
          if (!matrix.aliases[next]) ctx.addIssue({ code: 'custom', path: ['aliases', alias, 'fallback', i], message: `"${next}" is not an alias of this matrix` });
          if (next === alias) ctx.addIssue({ code: 'custom', path: ['aliases', alias, 'fallback', i], message: 'an alias cannot fall back to itself' });
        }
      }
    }),
);

/** True for http(s) URLs on 127.0.0.0/8, [::1] or localhost. */
export function isLoopbackUrl(value: string): boolean {
  return /^https?:\/\/(?:127(?:\.\d{1,3}){3}|\[::1\]|localhost)(?::\d+)?(?:\/|$)/i.test(value);
}

function urlHost(value: string): string {
  const match = /^https?:\/\/(\[[^\]]+\]|[^/:?#]+)/i.exec(value);
  return (match?.[1] ?? '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** Where the providers of a matrix may point (from the environment: CIVICOS_LOCAL_PROVIDER_HOSTS, CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD). */
export interface ProviderHostPolicy {
  localHosts: readonly string[];
  allowLoopbackHttpCloud: boolean;
}

/**
 * What the schema cannot know: a `local` provider must stay on this machine (loopback) or on a host
 * the operator allow-listed, or it would skip the cloud policy; a cloud provider's plain-http
 * loopback URL needs the explicit dev/test allowance. Problems name the provider, field and fix.
 */
export function providerHostProblems(matrix: RoutingMatrix, policy: ProviderHostPolicy, only?: string): string[] {
  const problems: string[] = [];
  for (const [name, provider] of Object.entries(matrix.providers)) {
    if (!provider.baseUrl || (only !== undefined && name !== only)) continue;
    if (provider.placement === 'local' && !isLoopbackUrl(provider.baseUrl) && !policy.localHosts.includes(urlHost(provider.baseUrl))) {
      problems.push(`providers.${name}.baseUrl: a local provider must be on loopback or on a host listed in CIVICOS_LOCAL_PROVIDER_HOSTS (${urlHost(provider.baseUrl)} is neither)`);
    }
    if (provider.placement === 'cloud' && !provider.baseUrl.startsWith('https://') && !policy.allowLoopbackHttpCloud) {
      problems.push(`providers.${name}.baseUrl: a cloud provider must use https://; plain http on loopback is for the dev/test simulator only (CIVICOS_ALLOW_LOOPBACK_HTTP_CLOUD=1)`);
    }
  }
  return problems;
}

export type RoutingMatrix = z.output<ReturnType<typeof routingMatrixSchema>>;
export type RoutingMatrixInput = z.input<ReturnType<typeof routingMatrixSchema>>;
export type Provider = z.output<ReturnType<typeof providerSchema>>;

export function validateRoutingMatrix(input: unknown): { ok: true; value: RoutingMatrix } | { ok: false; problems: string[] } {
  const parsed = routingMatrixSchema().safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: formatZodIssues(parsed.error, { root: 'matrix' }) };
}

/** The OpenAI-compatible providers (cloud, local pilot) of a matrix: each has a task queue per lane (`providerQueue`). */
export function queuedProviders(matrix: RoutingMatrix): string[] {
  return Object.entries(matrix.providers)
    .filter(([, provider]) => provider.kind === 'openai-compatible')
    .map(([name]) => name);
}
