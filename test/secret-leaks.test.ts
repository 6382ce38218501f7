import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingStore } from '../stores/routing-store';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import { configureLogger } from '../platform/logger';
import type { RoutingMatrixInput } from '../common/routing-matrix';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { npxCivicos } from './support/cli';
import { startPlatform } from './support/platform';
import { connectTest, uniqueId, type TestTemporal } from './support/temporal';

/**
 * Done-when of issue 14: a bad host password (a model host URL `http://ops:s3cr3t-PASS@…`, refused
 * in configuration, or echoed by a host's error) and a provider error that echoes an API key never
 * appear in history, ledgers, logs or CLI output.
 */
const PASSWORD = 's3cr3t-PASS';
// Built at run time so the repository holds no key-shaped literal.
const KEY = ['sk', 'proj', 'Zq8Lw3Nv6Rt1Yp4Hs7Kd0Fg2Jm5Xc9Bv'].join('-');

let temporal: TestTemporal;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let pilot: http.Server;
let modelHost: http.Server;
const logLines: string[] = [];

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  agent_id: 'leak-test',
  calling_skill: 'leak-check',
  model: 'local/qwen-14b',
  priority: 'high',
  lane: 'prod',
  system_prompt: '',
  user_prompt: `hello ${uniqueId('leak')}`,
  max_tokens: 8,
  callback: 'none',
  ...overrides,
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The history as text with every payload decoded (payload data is base64 in the JSON form). */
function historyText(history: unknown): string {
  const decoded: string[] = [];
  const json = JSON.stringify(history, (key, value: unknown) => {
    if (key === 'data' && typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    if (value instanceof Uint8Array) {
      decoded.push(Buffer.from(value).toString('utf8'));
      return '[bytes]';
    }
    return value;
  });
  return `${json}\n${decoded.join('\n')}`;
}

function expectClean(text: string, where: string): void {
  expect(text.includes(PASSWORD), `${where} holds the host password`).toBe(false);
  expect(text.includes(KEY.slice(0, 14)), `${where} holds the provider key`).toBe(false);
}

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-secret-leaks' });
  configureLogger('info', (line) => {
    logLines.push(line);
  });
  // An OpenAI-compatible pilot whose error body echoes the caller's key, as real servers do ("Incorrect API key provided: sk-…").
  pilot = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Invalid request for key ${KEY}`, type: 'invalid_request_error' } }));
    });
  });
  await new Promise<void>((resolve) => pilot.listen(0, '127.0.0.1', resolve));
  // A model host behind a proxy that answers Ollama's error format and echoes its upstream URL (with the password) and a key.
  modelHost = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/api/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.12.0"}');
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `model not found: upstream http://ops:${PASSWORD}@10.0.0.5:11434 refused key ${KEY}` }));
    });
  });
  await new Promise<void>((resolve) => modelHost.listen(0, '127.0.0.1', resolve));
  platform = await startPlatform(temporal, [{ name: 'proxy-host', url: `http://127.0.0.1:${(modelHost.address() as AddressInfo).port}`, slots: 1, simulated: false }], {
    envOverrides: { CIVICOS_LOG_LEVEL: 'info' },
  });
  const matrix = JSON.parse(JSON.stringify(DEFAULT_ROUTING_MATRIX)) as RoutingMatrixInput;
  matrix.providers['llamacpp-pilot']!.baseUrl = `http://127.0.0.1:${(pilot.address() as AddressInfo).port}/v1`;
  matrix.aliases['pilot/llamacpp-qwen']!.fallback = [];
  new RoutingStore(platform.env.dataDir).set(matrix, 'secret-leak test');
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  await new Promise<void>((resolve) => (pilot ? pilot.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (modelHost ? modelHost.close(() => resolve()) : resolve()));
  await temporal?.close();
});

describe('a bad host password and a provider error echoing a key leak nowhere', () => {
  const keys = { prod: uniqueId('leak-prod'), pilot: uniqueId('leak-pilot') };

  it('history (fetched as JSON), ledgers (every file), logs and the CLI (a subprocess) stay clean', async () => {
    const prodPayload = payload({ idempotency_key: keys.prod });
    const prod = await submitInference(temporal.client, prodPayload);
    const pilotPayload = payload({ idempotency_key: keys.pilot, model: 'pilot/llamacpp-qwen', lane: 'experimental', priority: 'normal', experiment_tag: 'leak-check', success_criteria: 'fails cleanly' });
    const viaPilot = await submitInference(temporal.client, pilotPayload);
    for (const submission of [prod, viaPilot]) {
      const error = await submission.handle.result().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expectClean(historyText(await submission.handle.fetchHistory()), `history of ${submission.workflowId}`);
    }
    // The secret-bearing errors really went through history (redacted): the check is not vacuous.
    expect(historyText(await prod.handle.fetchHistory())).toMatch(/upstream http:\/\/ops:\[REDACTED:url_password\]@10\.0\.0\.5:11434 refused key \[REDACTED:openai_key\]/);
    expect(historyText(await viaPilot.handle.fetchHistory())).toMatch(/refused the request \(400: .*\[REDACTED:openai_key\]/);

    for (const file of filesUnder(platform.env.dataDir)) expectClean(fs.readFileSync(file, 'utf8'), file);
    const logs = logLines.join('\n');
    expectClean(logs, 'the log');
    expect(logs).toContain('[REDACTED:url_password]');

    // The CLI attaches to the failed request (same idempotency key) and prints its failure.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-leak-')), 'payload.json');
    fs.writeFileSync(file, JSON.stringify(prodPayload));
    const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: platform.env.dataDir, CIVICOS_LOG_LEVEL: 'info' };
    const cli = await npxCivicos(['infer', '--file', file, '--wait'], { env, timeoutMs: 120_000 });
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stderr).toMatch(/civicos: .*(AllRoutesFailed|refused the request|failed)/i);
    expectClean(`${cli.stdout}${cli.stderr}`, 'the CLI output');
  }, 240_000);

  it('the CLI refuses a host URL with a password in its configuration, exit 2, without echoing it', async () => {
    for (const [name, value] of [
      ['OLLAMA_HOST', `http://ops:${PASSWORD}@127.0.0.1:1`],
      ['CIVICOS_MODEL_HOSTS', JSON.stringify([{ name: 'gpu-a', url: `http://ops:${PASSWORD}@10.0.0.5:11500`, slots: 2 }])],
    ] as const) {
      const run = await npxCivicos(['queue', 'status'], { env: { TEMPORAL_ADDRESS: temporal.address, [name]: value }, timeoutMs: 120_000 });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(name);
      expect(run.stderr).toMatch(/must not carry credentials/);
      expectClean(`${run.stdout}${run.stderr}`, `the CLI output for ${name}`);
    }
  }, 240_000);
});
