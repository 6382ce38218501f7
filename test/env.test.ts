import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../platform/env';

describe('environment configuration', () => {
  it('has working embedded defaults', () => {
    const env = loadEnv({});
    expect(env.temporalAddress).toBe('127.0.0.1:7233');
    expect(env.namespace).toBe('default');
    expect(env.uiPort).toBe(8233);
    expect(env.modelSlots).toBe(2);
    expect(env.dataDir).toMatch(/\.data$/);
  });

  it('normalises OLLAMA_HOST given as host:port', () => {
    expect(loadEnv({ OLLAMA_HOST: '10.0.0.5:11500' }).ollamaHost).toBe('http://10.0.0.5:11500');
  });

  it.each([
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS="localhost": expected host:port.*Fix: set it to host:port/],
    ['CIVICOS_TEMPORAL_UI_PORT', '99999', /CIVICOS_TEMPORAL_UI_PORT="99999".*Fix: use a free TCP port/],
    ['CIVICOS_LOG_LEVEL', 'loud', /CIVICOS_LOG_LEVEL="loud".*Fix: use one of trace, debug, info, warn, error/],
    ['CIVICOS_MODEL_SLOTS', '0', /CIVICOS_MODEL_SLOTS="0": at least 1 slot/],
    ['CIVICOS_ALERT_WEBHOOK', 'not a url', /CIVICOS_ALERT_WEBHOOK="not a url"/],
    ['CIVICOS_MODEL_HOSTS', '[{"name":"GPU A","url":"http://x:1","slots":2}]', /CIVICOS_MODEL_HOSTS\[0\]\[name\]/],
    ['CIVICOS_MODEL_HOSTS', '{oops', /CIVICOS_MODEL_HOSTS: not valid JSON/],
    ['OLLAMA_HOST', 'http://bad host', /OLLAMA_HOST="http:\/\/bad host"/],
    ['CIVICOS_OLLAMA_MODE', 'maybe', /CIVICOS_OLLAMA_MODE="maybe".*auto, real or simulator/],
  ])('refuses a bad %s with the variable name and the fix', (name, value, message) => {
    let error: unknown;
    try {
      loadEnv({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadEnv({ TEMPORAL_ADDRESS: 'x', CIVICOS_LOG_LEVEL: 'y' })).toThrow(/TEMPORAL_ADDRESS[\s\S]*CIVICOS_LOG_LEVEL/);
  });

  it('reads the model-call deadlines and the prod host wait (seconds → ms), per model too', () => {
    expect(loadEnv({}).modelCalls).toEqual({ firstTokenTimeoutMs: 120_000, firstTokenTimeoutByModelMs: {}, interTokenTimeoutMs: 20_000, prodHostWaitMs: 30_000 });
    const env = loadEnv({ CIVICOS_PROD_HOST_WAIT_S: '45', CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: '{"qwen2.5-coder:32b":240}', CIVICOS_INTER_TOKEN_TIMEOUT_S: '5' });
    expect(env.modelCalls).toMatchObject({ prodHostWaitMs: 45_000, interTokenTimeoutMs: 5_000, firstTokenTimeoutByModelMs: { 'qwen2.5-coder:32b': 240_000 } });
    expect(() => loadEnv({ CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: '{"qwen3:14b":0}' })).toThrow(/CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL\[qwen3:14b\]: at least 1 second\. Fix:/);
    expect(() => loadEnv({ CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: 'x' })).toThrow(/CIVICOS_FIRST_TOKEN_TIMEOUT_BY_MODEL: not valid JSON/);
    expect(() => loadEnv({ CIVICOS_PROD_HOST_WAIT_S: '-1' })).toThrow(/CIVICOS_PROD_HOST_WAIT_S="-1": at least 0\. Fix: set seconds/);
  });
});
