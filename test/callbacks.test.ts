import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressClass, checkOutboundUrl, systemResolve, type Resolve } from '../activities/url-guard';
import { submitInference } from '../client/submit-inference';
import type { InferencePayloadInput } from '../common/contract';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import type { inferenceCollector, priorityProbe } from './support/workflows';
import { startPlatform } from './support/platform';
import { connectTest, uniqueId, type TestTemporal } from './support/temporal';

/** A resolver for names that need no internet: what a hostile DNS server could answer. */
const fakeDns: Resolve = async (hostname) => {
  const answers: Record<string, Array<{ address: string; family: 4 | 6 }>> = {
    'loopback.example': [{ address: '127.0.0.1', family: 4 }],
    // One public and one private answer: every address is checked, not just the first.
    'rebind.example': [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ],
    'public.example': [{ address: '93.184.216.34', family: 4 }],
  };
  // Anything else (localhost) goes to the system resolver.
  return answers[hostname] ?? (await systemResolve(hostname));
};

describe('callback SSRF guard (table)', () => {
  it.each([
    ['http://127.0.0.1:8080/hook', /127\.0\.0\.1, a loopback address/],
    ['http://localhost:8080/hook', /host localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
    ['http://[::1]:8080/hook', /::1, a loopback address/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, a link-local \(cloud metadata lives here\) address/],
    ['http://10.1.2.3/hook', /10\.1\.2\.3, a private address/],
    ['http://172.16.5.4/hook', /172\.16\.5\.4, a private address/],
    ['http://192.168.1.10/hook', /192\.168\.1\.10, a private address/],
    ['http://100.64.0.1/hook', /100\.64\.0\.1, a carrier-grade NAT \(CGNAT\) address/],
    ['http://0.0.0.0:8080/hook', /0\.0\.0\.0, a unspecified/],
    ['http://[::ffff:127.0.0.1]/hook', /a loopback address/],
    ['http://[fd12:3456::1]/hook', /unique-local \(private\) address/],
    ['http://[fe80::1]/hook', /link-local address/],
    ['http://224.0.0.1/hook', /multicast address/],
    ['http://loopback.example/hook', /host loopback\.example resolves to 127\.0\.0\.1, a loopback address/],
    ['http://rebind.example/hook', /host rebind\.example resolves to 10\.0\.0\.7, a private address/],
    ['https://ops:s3cr3t-PASS@public.example/hook', /carries credentials/],
    ['ftp://public.example/x', /scheme ftp: is not allowed/],
  ])('refuses %s', async (url, reason) => {
    const error = await checkOutboundUrl(url, { allowedHosts: [], resolve: fakeDns }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('UrlRefused');
    expect(error?.message).toMatch(reason);
    expect(error?.message).not.toContain('s3cr3t');
  });

  it('accepts a public host, and a private one only when allow-listed', async () => {
    await expect(checkOutboundUrl('https://public.example/hook', { allowedHosts: [], resolve: fakeDns })).resolves.toMatchObject({ address: { address: '93.184.216.34' } });
    await expect(checkOutboundUrl('http://127.0.0.1:9/x', { allowedHosts: ['127.0.0.1'] })).resolves.toMatchObject({ address: { address: '127.0.0.1', family: 4 } });
    await expect(checkOutboundUrl('http://[::1]:9/x', { allowedHosts: ['::1'] })).resolves.toMatchObject({ address: { address: '::1', family: 6 } });
    expect(addressClass('8.8.8.8')).toBeUndefined();
    expect(addressClass('2606:4700::1111')).toBeUndefined();
  });
});

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let receiver: http.Server;
let receiverPort: number;
const hits: string[] = [];

const payload = (overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput => ({
  agent_id: 'callback-test',
  calling_skill: 'donor-digest',
  model: 'local/qwen-14b',
  priority: 'high',
  lane: 'prod',
  system_prompt: '',
  user_prompt: `Hello (${uniqueId('cb')}).`,
  max_tokens: 8,
  callback: 'none',
  ...overrides,
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  let cause: unknown = await promise.then(() => undefined, (e: unknown) => e);
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  expect(cause, 'the workflow should have failed with an ApplicationFailure').toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-callbacks' });
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  // The local receiver: /ok answers 200, /redirect a 302 to the cloud metadata address, /gone a 410 with a status text that must not reach history.
  receiver = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam' }).end();
      else if (req.url === '/gone') res.writeHead(410, 'Gone-RECEIVER-TEXT-token=abc123').end('RECEIVER-BODY');
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
  // Allow-listed explicitly: the only way a loopback receiver is reachable.
  platform = await startPlatform(temporal, [{ name: 'cb-host', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_CALLBACK_HOSTS: '127.0.0.1' } });
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await temporal?.close();
});

describe('callbacks through the inference workflow (real Temporal)', () => {
  it('delivers to the allow-listed local receiver', async () => {
    const { handle } = await submitInference(temporal.client, payload({ callback: `http://127.0.0.1:${receiverPort}/ok` }));
    await handle.result();
    expect(hits).toContain('/ok');
  });

  it('refuses a loopback receiver reached by another name (localhost is not on the allow-list)', async () => {
    const before = hits.length;
    const { handle } = await submitInference(temporal.client, payload({ callback: `http://localhost:${receiverPort}/ok` }));
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('CallbackRefused');
    expect(failure.message).toMatch(/callback refused: host localhost resolves to (127\.0\.0\.1|::1), a loopback address; such hosts are refused unless listed in CIVICOS_CALLBACK_HOSTS/);
    expect(hits.length).toBe(before);
  });

  it('refuses a 302 redirect to a private host instead of following it', async () => {
    const { handle } = await submitInference(temporal.client, payload({ callback: `http://127.0.0.1:${receiverPort}/redirect` }));
    const failure = await failureOf(handle.result());
    expect(failure.type).toBe('CallbackRefused');
    expect(failure.message).toMatch(/answered HTTP 302 \(a redirect\); callbacks do not follow redirects/);
  });

  it("records the receiver's status code only, never its status text or body", async () => {
    const { handle } = await submitInference(temporal.client, payload({ callback: `http://127.0.0.1:${receiverPort}/gone` }));
    const failure = await failureOf(handle.result());
    expect(failure.message).toBe('webhook refused the callback: HTTP 410');
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain('RECEIVER-TEXT');
    expect(history).not.toContain('RECEIVER-BODY');
  });

  it('signals only a declared callback target: another workflow type is refused before any signal', async () => {
    const targetId = uniqueId('not-a-target');
    const target = await temporal.client.workflow.start<typeof priorityProbe>('priorityProbe', {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId: targetId,
      args: [{ taskQueue: uniqueId('unused'), first: { count: 0, priorityKey: 4 }, second: { count: 0, priorityKey: 1 } }],
    });
    try {
      const { handle } = await submitInference(temporal.client, payload({ callback: `signal:${targetId}/inferenceDone` }));
      const failure = await failureOf(handle.result());
      expect(failure.type).toBe('CallbackTargetRefused');
      expect(failure.message).toContain(`callback target ${targetId} is a priorityProbe workflow, which is not a callback target; callback targets: inferenceCollector`);
      const history = await target.fetchHistory();
      expect((history.events ?? []).some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
    } finally {
      await target.terminate('test done');
    }
  });

  it('refuses a signal callback to a workflow that does not exist', async () => {
    const { handle } = await submitInference(temporal.client, payload({ callback: `signal:${uniqueId('nobody')}/inferenceDone` }));
    expect((await failureOf(handle.result())).type).toBe('CallbackTargetRefused');
  });

  it('delivers to a declared callback target', async () => {
    const targetId = uniqueId('collector');
    const target = await temporal.client.workflow.start<typeof inferenceCollector>('inferenceCollector', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId: targetId, args: [{ expected: 1 }] });
    const { handle, workflowId } = await submitInference(temporal.client, payload({ callback: `signal:${targetId}/inferenceDone` }));
    await handle.result();
    expect(await target.result()).toMatchObject([{ workflowId }]);
  });
});
