import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startProjectCodecServer, uiOriginsFor } from '../client/commands/codec-server';
import { submitInference } from '../client/submit-inference';
import type { CodecServer } from '../platform/codec';
import { loadEnv, type PlatformEnv } from '../platform/env';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { freePort, startDevServer, type DevServer } from '../deploy/temporal/dev-server';
import { runWorkers, type RunningWorkers } from '../workers/run-workers';
import { runCommand } from './support/cli';
import { TEST_CODEC_KEYS } from './support/codec-key';
import { testDataConverter } from './support/temporal';

/**
 * History at rest is ciphertext: a request runs on a dev server with a SQLite file, its Web UI
 * pointed at the codec server (as `npm start` does); then the prompt's marker must be absent from
 * the database bytes and from `temporal workflow show` without a codec, present with the codec
 * endpoint, and shown decoded by the Web UI in a real headless Chromium.
 */
const CHROMIUM = '/usr/bin/chromium';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-history-enc-'));
const dbFile = path.join(dir, 'temporal.sqlite');
const marker = `PROMPTMARKER${randomBytes(6).toString('hex')}`;
const secret = `Hunter2-${randomBytes(6).toString('hex')}`;
const workflowId = `inference:history-enc-${randomBytes(4).toString('hex')}`;

let server: DevServer;
let codec: CodecServer;
let sim: OllamaSimulator;
let workers: RunningWorkers;
let connection: Connection;
let client: Client;
let env: PlatformEnv;
/** The Origin header of each decode call the Web UI's page made (read from the sent request). */
const decodeOrigins: Array<Promise<string | null>> = [];

beforeAll(async () => {
  env = loadEnv({ CIVICOS_DATA_DIR: path.join(dir, 'data'), CIVICOS_METRICS_PORT: '0', CIVICOS_CODEC_KEYS: TEST_CODEC_KEYS });
  const [port, uiPort] = [await freePort(), await freePort()];
  ({ server: codec } = await startProjectCodecServer(env, { port: 0, uiOrigins: uiOriginsFor(uiPort) }));
  server = await startDevServer({ temporalPath: inject('temporalCliPath'), port, uiPort, codecEndpoint: codec.url, namespace: 'default', dbFile });
  env = { ...env, temporalAddress: server.address };
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  workers = await runWorkers({ env, logger: logger(), hosts: [{ name: 'sim-enc', url: sim.url, slots: 2, simulated: true }], workflowBundle: { codePath: inject('workflowBundlePath') } });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
}, 180_000);
afterAll(async () => {
  await connection?.close();
  await workers?.shutdown();
  await sim?.close();
  await server?.stop();
  await codec?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('history encrypted at rest, decoded for operators (real dev server on SQLite, real Chromium)', () => {
  let text: string;

  it('a request runs end to end with the codec; a secret in the prompt is redacted before history', async () => {
    const submission = await submitInference(client, {
      agent_id: 'history-test',
      calling_skill: 'encryption',
      model: 'local/qwen-14b',
      priority: 'high',
      lane: 'prod',
      max_tokens: 32,
      callback: 'none',
      idempotency_key: workflowId.slice('inference:'.length),
      system_prompt: 'You summarise donor notes.',
      user_prompt: `Summarise ${marker}: the CRM login is password=${secret} for the night shift.`,
    }, { policy: env.queue });
    expect(submission.workflowId).toBe(workflowId);
    text = (await submission.handle.result()).text;
    expect(text.length).toBeGreaterThan(0);
    // Decoded with the key, the history holds the prompt, with the secret already redacted by the client.
    const history = JSON.stringify(await decodedHistoryInput(client));
    expect(history).toContain(marker);
    expect(history).not.toContain(secret);
    expect(history).toMatch(/password=\[REDACTED:assignment\]/);
  });

  it('`temporal workflow show` without the codec shows ciphertext; with --codec-endpoint it shows the prompt', async () => {
    const show = (extra: string[]) => runCommand(inject('temporalCliPath'), ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--output', 'json', ...extra]);
    const plain = await show([]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(plain.stdout).toContain('YmluYXJ5L2VuY3J5cHRlZA=='); // base64 of the metadata "binary/encrypted"
    // JSON output carries payload bytes as base64: look at the output and at every decoded payload.
    expect(readable(plain.stdout)).not.toContain(marker);
    expect(readable(plain.stdout)).not.toContain(secret);
    const decoded = await show(['--codec-endpoint', codec.url]);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(readable(decoded.stdout)).toContain(marker);
    expect(readable(decoded.stdout)).not.toContain(secret);
  });

  it('the Web UI shows the decoded prompt through the codec server, in headless Chromium', { timeout: 180_000 }, async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; bash .ci/run does)`);
    const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
    let browser: BrowserContext | undefined;
    try {
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.on('request', (request) => {
        if (request.url().startsWith(`${codec.url}/decode`) && request.method() === 'POST') decodeOrigins.push(request.headerValue('origin'));
      });
      await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded', timeout: 90_000 });
      await page.getByText(marker, { exact: false }).first().waitFor({ timeout: 120_000 });
      const shown = await page.locator('body').innerText();
      expect(shown).toContain(marker);
      expect(shown).not.toContain(secret);
      expect(decodeOrigins.length).toBeGreaterThan(0);
      expect(new Set(await Promise.all(decodeOrigins))).toEqual(new Set([new URL(server.uiUrl!).origin]));
    } finally {
      await browser?.close();
    }
  });

  it('the SQLite file holds no prompt text (checked after the server stopped and flushed)', async () => {
    await connection.close();
    await workers.shutdown();
    await server.stop();
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('temporal.sqlite')).map((f) => path.join(dir, f));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    expect(bytes.length).toBeGreaterThan(0);
    // The store is really this file: the workflow ID (not a payload) is in it in clear.
    expect(bytes.includes(Buffer.from(workflowId))).toBe(true);
    for (const needle of [marker, secret, text.slice(0, 24)]) {
      expect(bytes.includes(Buffer.from(needle)), `"${needle}" in ${files.join(', ')}`).toBe(false);
      expect(bytes.includes(Buffer.from(Buffer.from(needle).toString('base64').slice(0, 12))), `base64 of "${needle}"`).toBe(false);
    }
    expect(bytes.includes(Buffer.from('binary/encrypted'))).toBe(true);
  });
});

/** CLI JSON output plus the bytes of every base64 `data` field in it. */
function readable(json: string): string {
  const payloads = [...json.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('latin1'));
  return [json, ...payloads].join('\n');
}

/** The request's input as the workers see it: fetched from history and decoded with the key. */
async function decodedHistoryInput(c: Client): Promise<unknown> {
  const history = await c.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  const [payload] = await testDataConverter().payloadCodecs![0]!.decode(started.input!.payloads!);
  return JSON.parse(Buffer.from(payload!.data!).toString());
}

