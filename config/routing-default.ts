import type { RoutingMatrixInput } from '../common/routing-matrix';

/**
 * Version 1 of the routing matrix, seeded into the store on first use. Later versions are
 * written by `civicos routing set <file>` (and by promotions), rolled back by `civicos routing rollback`.
 */
export const DEFAULT_ROUTING_MATRIX: RoutingMatrixInput = {
  version: 1,
  description: 'Workflow v2 routing standard: qwen3 generalist, mistral-small fallback, coder specialist, legacy qwen2.5; cloud only by policy.',
  defaultProvider: 'ollama-local',
  providers: {
    'ollama-local': { kind: 'ollama', placement: 'local', lanes: ['prod', 'experimental'] },
    'llamacpp-pilot': { kind: 'openai-compatible', placement: 'local', baseUrl: 'http://127.0.0.1:8081/v1', lanes: ['experimental'] },
    'cloud-openai': {
      kind: 'openai-compatible',
      placement: 'cloud',
      baseUrl: 'https://api.openai.com/v1',
      apiKeyEnv: 'CIVICOS_CLOUD_KEY_OPENAI',
      lanes: ['prod', 'experimental'],
      pricePer1kInputTokensUsd: 0.0004,
      pricePer1kOutputTokensUsd: 0.0016,
    },
  },
  aliases: {
    'local/qwen-14b': { provider: 'ollama-local', model: 'qwen3:14b', fallback: ['local/mistral-small'] },
    'local/mistral-small': { provider: 'ollama-local', model: 'mistral-small3.2:24b', fallback: ['cloud/premium'] },
    'local/qwen-coder-32b': { provider: 'ollama-local', model: 'qwen2.5-coder:32b', fallback: ['local/qwen-14b'] },
    'local/qwen2.5-14b': { provider: 'ollama-local', model: 'qwen2.5:14b', fallback: ['local/qwen-14b'] },
    'cloud/premium': { provider: 'cloud-openai', model: 'gpt-4.1-mini', fallback: [] },
    'pilot/llamacpp-qwen': { provider: 'llamacpp-pilot', model: 'qwen3-14b-q4_k_m', fallback: ['local/qwen-14b'] },
  },
  cloud: { premiumTaskClasses: ['premium_synthesis', 'board_brief'], monthlyBudgetUsd: 50, maxRequestsPerDay: 200 },
  promotions: [],
};
