import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IdempotencyConflictError } from '../client/idempotency';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startPlatform } from './support/platform';
import { connectTest, uniqueId, type TestTemporal } from './support/temporal';
import { civicosAgainst, inferencePayload } from './support/fixtures';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let tmp: string;

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput =>
  inferencePayload({
    agent_id: 'idem-test',
    calling_skill: 'idem',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    system_prompt: '',
    user_prompt: 'Summarise the donor notes.',
    max_tokens: 8,
    callback: 'none',
    ...overrides,
  });

/** `npx civicos …` from the repo, as an operator runs it. */
function civicos(args: string[]): Promise<{ code: number; out: string }> {
  return civicosAgainst({ address: temporal.address, namespace: temporal.namespace, dataDir: platform.env.dataDir }, args);
}

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-idempotency' });
  sim = await startOllamaSimulator({ tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'idem-host', url: sim.url, slots: 2, simulated: true }]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-idem-'));
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('an idempotency_key reused with a different payload', () => {
  it('is refused with IdempotencyConflict naming the key and the differing fields, while running and after completion', async () => {
    const key = uniqueId('idem');
    const first = await submitInference(temporal.client, payload({ idempotency_key: key }));
    // Same payload: attaches to the same run.
    expect((await submitInference(temporal.client, payload({ idempotency_key: key }))).workflowId).toBe(first.workflowId);
    const running = await submitInference(temporal.client, payload({ idempotency_key: key, user_prompt: 'Something else entirely.' })).then(() => undefined, (e: unknown) => e);
    expect(running).toBeInstanceOf(IdempotencyConflictError);
    expect((running as IdempotencyConflictError).fields).toEqual(['user_prompt']);
    expect((running as Error).message).toContain(`idempotency_key "${key}"`);
    // The message names fields, never their (possibly sensitive) values.
    expect((running as Error).message).not.toContain('Something else');
    const result = await first.handle.result();

    const after = await submitInference(temporal.client, payload({ idempotency_key: key, priority: 'urgent', max_tokens: 9 })).then(() => undefined, (e: unknown) => e);
    expect((after as IdempotencyConflictError).fields).toEqual(['max_tokens', 'priority']);
    // The original payload still gets the original result.
    expect(await (await submitInference(temporal.client, payload({ idempotency_key: key }))).handle.result()).toEqual(result);
    expect((await temporal.client.workflow.count(`WorkflowId = "inference:${key}"`)).count).toBe(1);
  });

  it('costs a describe only when the submit attached: a new request is not described, a running duplicate gets its run ID', async () => {
    const describes = vi.spyOn(temporal.client.workflowService, 'describeWorkflowExecution');
    // No worker polls this queue: the request stays running.
    const taskQueue = uniqueId('idem-unpolled');
    const key = uniqueId('idem-new');
    try {
      const first = await submitInference(temporal.client, payload({ idempotency_key: key }), { taskQueue });
      const unkeyed = await submitInference(temporal.client, payload({ user_prompt: `un-keyed ${uniqueId('p')}` }), { taskQueue });
      expect(describes).not.toHaveBeenCalled();

      const again = await submitInference(temporal.client, payload({ idempotency_key: key }), { taskQueue });
      expect(describes).toHaveBeenCalledTimes(1);
      expect(first.runId).toBeDefined();
      expect(again.runId).toBe(first.runId);
      expect((await again.handle.describe()).status.name).toBe('RUNNING');
      const changed = await submitInference(temporal.client, payload({ idempotency_key: key, max_tokens: 9 }), { taskQueue }).then(() => undefined, (e: unknown) => e);
      expect(changed).toBeInstanceOf(IdempotencyConflictError);
      expect((changed as IdempotencyConflictError).fields).toEqual(['max_tokens']);
      await Promise.all([first, unkeyed].map((s) => s.handle.terminate('test done')));
    } finally {
      describes.mockRestore();
    }
  });

  it('exits 2 from `npx civicos infer` with the conflict named', async () => {
    const key = uniqueId('idem-cli');
    const original = path.join(tmp, 'original.json');
    const changed = path.join(tmp, 'changed.json');
    fs.writeFileSync(original, JSON.stringify(payload({ idempotency_key: key })));
    fs.writeFileSync(changed, JSON.stringify(payload({ idempotency_key: key, agent_id: 'someone-else' })));
    const first = await civicos(['infer', '--file', original, '--wait']);
    expect(first.code, first.out).toBe(0);
    const refused = await civicos(['infer', '--file', changed]);
    expect(refused.code, refused.out).toBe(2);
    expect(refused.out).toMatch(new RegExp(`IdempotencyConflict: idempotency_key "${key}" .*differs in agent_id`));
  }, 60_000);
});
