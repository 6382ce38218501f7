import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCivicWorkflow } from '../client/civic-workflows';
import { submitInference } from '../client/submit-inference';
import { configureLogger } from '../platform/logger';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startAlertReceiver } from './support/alert-receiver';
import { startPlatform } from './support/platform';
import { secretSamples } from './support/secret-samples';
import { connectTest, decryptedDeep, type TestTemporal } from './support/temporal';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
const samples = secretSamples();
/** Every log line this process writes: ours (through the sink) and the SDK's (on stderr). */
const logLines: string[] = [];
const stderrWrite = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logLines.push(String(chunk));
    return (stderrWrite as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  configureLogger('trace', (line) => logLines.push(line));
  temporal = await connectTest({ namespace: 'test-secrets' });
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0, capturePrompts: true });
  receiver = await startAlertReceiver();
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url } });
  // An ops export whose log lines leaked credentials, as real ones do.
  const events = samples.map((s, i) => ({
    ts: `2026-11-12T${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00Z`,
    service: ['crm-sync', 'mail-relay', 'payments', 'website'][i % 4],
    severity: i % 3 === 0 ? 'critical' : 'warning',
    message: `request failed (${s.format}): ${s.line}`,
  }));
  fs.mkdirSync(path.join(platform.env.dataDir, 'sources'), { recursive: true });
  fs.writeFileSync(path.join(platform.env.dataDir, 'sources', 'ops-events.json'), JSON.stringify({ events }));
});
afterAll(async () => {
  process.stderr.write = stderrWrite;
  await platform?.stop();
  await sim?.close();
  await receiver?.close();
  await temporal?.close();
});

/** Every secret of every format, and every 12-character piece of it, is absent from `text`. */
function expectNoSecrets(text: string, where: string): void {
  for (const sample of samples) {
    expect(text.includes(sample.value), `${sample.format} in ${where}`).toBe(false);
    for (let i = 0; i + 12 <= sample.value.length; i += 6) {
      const at = text.indexOf(sample.value.slice(i, i + 12));
      expect(at === -1, `${sample.format} (part) in ${where}: …${text.slice(Math.max(0, at - 80), at + 40)}…`).toBe(true);
    }
  }
}

/** Every string and every payload (decoded) in a history; protobuf's own toJSON would show bytes as base64. */
function historyText(value: unknown, out: string[] = []): string {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) historyText(item, out);
  else if (value && typeof value === 'object') for (const inner of Object.values(value)) historyText(inner, out);
  return out.join('\n');
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('secrets never leave the process (real Temporal, simulated Ollama)', () => {
  it(`${samples.length} secret formats in source data reach neither the model, the logs, the alerts, the outputs nor the history`, async () => {
    expect(samples.length).toBeGreaterThanOrEqual(20);
    const { handle, workflowId } = await startCivicWorkflow(temporal.client, 'ops-monitor', { date: '2026-11-12' });
    const result = (await handle.result()) as { events: number; critical: number };
    expect(result.events).toBe(samples.length);

    const prompts = sim.records.map((r) => r.prompt ?? '');
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatch(/request failed \(openai project key\): OPENAI_API_KEY=\[REDACTED:openai_key\]/);
    expect(prompts[0]!.match(/\[REDACTED:/g)!.length).toBeGreaterThanOrEqual(samples.length);
    expectNoSecrets(prompts.join('\n'), 'the prompt sent to the model');

    // The critical events were alerted: that path logs and POSTs event messages.
    expect(receiver.alerts.some((a) => a.kind === 'ops_critical_events' && a.subject === workflowId)).toBe(true);
    expectNoSecrets(receiver.bodies.join('\n'), 'alert webhook bodies');
    const logs = logLines.join('');
    expect(logs).toMatch(/ALERT ops_critical_events.*\[REDACTED:/);
    expectNoSecrets(logs, 'log lines');

    expectNoSecrets(filesUnder(path.join(platform.env.dataDir, 'outputs')).map((f) => fs.readFileSync(f, 'utf8')).join('\n'), 'outputs');
    // Stored encrypted; decrypted, the history still holds no secret (they were redacted before it).
    const stored = (await handle.fetchHistory()).events;
    expectNoSecrets(historyText(stored), 'workflow history as stored');
    const history = historyText(await decryptedDeep(stored));
    expect(history).toMatch(/request failed \(jwt\): session cookie \[REDACTED:jwt\]/);
    expectNoSecrets(history, 'workflow history');

    // Search attributes carry identifiers only, never prompt text.
    const attributes = (await handle.describe()).typedSearchAttributes;
    for (const key of ALL_SEARCH_ATTRIBUTES) {
      const value = attributes.get(key);
      if (value !== undefined) expect(String(value)).toMatch(/^[A-Za-z0-9._:/-]{1,64}$/);
    }
  });

  it('a caller that puts secrets into a queue-contract prompt is redacted by the inference activity', async () => {
    const before = sim.records.length;
    const { handle } = await submitInference(temporal.client, {
      agent_id: 'script-with-leaky-config',
      calling_skill: 'ops-triage',
      model: 'local/qwen-14b',
      priority: 'high',
      lane: 'prod',
      system_prompt: `You triage incidents. ${samples[2]!.line}`,
      user_prompt: `Summarise these log lines:\n${samples.map((s) => s.line).join('\n')}`,
      max_tokens: 32,
      callback: 'none',
    });
    await handle.result();
    const prompt = sim.records.slice(before).map((r) => r.prompt ?? '').join('\n');
    expect(prompt).toMatch(/Summarise these log lines/);
    expectNoSecrets(prompt, 'the prompt sent to the model');
    expectNoSecrets(logLines.join(''), 'log lines');
  });
});
