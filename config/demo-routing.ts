/**
 * The demo routing profile: with the project's real Ollama and only the tiny model installed,
 * every standard alias is served by `smollm2:135m`, so `npm start` and demos run real inference
 * end to end on a laptop or CI box. Replies are a 135M model's: a demo of the plumbing, not of
 * quality. Data only; `npm start` passes `aliases` to the inference workers.
 */
export const DEMO_ROUTING_PROFILE = {
  name: 'demo',
  model: 'smollm2:135m',
  aliases: {
    'local/qwen-14b': 'smollm2:135m',
    'local/mistral-small': 'smollm2:135m',
    'local/qwen-coder-32b': 'smollm2:135m',
    'local/qwen2.5-14b': 'smollm2:135m',
  },
} as const satisfies { name: string; model: string; aliases: Record<string, string> };

export type DemoRoutingProfile = typeof DEMO_ROUTING_PROFILE;
