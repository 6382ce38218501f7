import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedCount, pauseLanes, resumeLanes } from '../platform/lane-admin';
import { startAlertReceiver } from './support/alert-receiver';
import { connectTest, decodedJson, eventually, uniqueId, type TestTemporal } from './support/temporal';

/**
 * Admission caps come from the environment on every entry point: the real `civicos` binary, as a
 * subprocess, with CIVICOS_QUEUE_CAP_PROD=1. No workers run, so admitted work stays unfinished
 * (the prod lane is paused as well, as an operator would during such a burst).
 */
const root = path.resolve(__dirname, '..');
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
let dataDir: string;
const opened: TestTemporal[] = [];

function civicos(temporal: TestTemporal, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    // The package's own bin (what `npx civicos` runs), as a subprocess.
    execFile(
      process.execPath,
      [path.join(root, 'bin', 'civicos.js'), ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_NAMESPACE: temporal.namespace,
          CIVICOS_DATA_DIR: dataDir,
          CIVICOS_QUEUE_CAP_PROD: '1',
          CIVICOS_ALERT_WEBHOOK: receiver.url,
          CIVICOS_LOG_LEVEL: 'error',
          ...extraEnv,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

function payloadFile(text: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dataDir, `${uniqueId('payload')}.json`);
  fs.writeFileSync(file, JSON.stringify({ agent_id: 'cap-test', calling_skill: 'burst', model: 'local/qwen-14b', priority: 'high', lane: 'prod', system_prompt: '', user_prompt: text, max_tokens: 8, callback: 'none', ...extra }));
  return file;
}

async function namespace(name: string): Promise<TestTemporal> {
  const temporal = await connectTest({ namespace: name });
  opened.push(temporal);
  await pauseLanes(temporal.client, { lanes: 'prod', reason: 'admission test', by: 'test' });
  return temporal;
}

beforeAll(async () => {
  receiver = await startAlertReceiver();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-admission-'));
});
afterAll(async () => {
  for (const temporal of opened) {
    await resumeLanes(temporal.client, { lanes: 'prod', by: 'test' });
    await temporal.close();
  }
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('CIVICOS_QUEUE_CAP_PROD=1 through the real CLI', () => {
  it('`civicos infer`: the first submit is admitted, a burst after it gets QueueFull (non-zero exit) and prod alerts', async () => {
    const temporal = await namespace('test-admission-infer');
    const first = await civicos(temporal, ['infer', '--file', payloadFile(`first ${uniqueId('p')}`), '--json']);
    expect(first.code).toBe(0);
    const { workflowId } = JSON.parse(first.out) as { workflowId: string };
    await eventually(async () => (await admittedCount(temporal.client, 'prod')) === 1, { what: 'visibility to show the first request' });

    const burst = await Promise.all([1, 2].map((i) => civicos(temporal, ['infer', '--file', payloadFile(`burst ${i} ${uniqueId('p')}`)])));
    for (const refused of burst) {
      expect(refused.code).not.toBe(0);
      expect(refused.err).toMatch(/QueueFull: lane prod has 1 unfinished requests \(cap 1\).*CIVICOS_QUEUE_CAP_PROD/);
    }
    expect(await admittedCount(temporal.client, 'prod')).toBe(1);
    const alerts = await eventually(() => {
      const received = receiver.alerts.filter((a) => a.kind === 'queue_full' && a.details?.agentId === 'cap-test');
      return received.length === burst.length ? received : undefined;
    }, { what: 'one queue_full alert per refused submit' });
    expect(alerts.every((a) => a.lane === 'prod' && a.severity === 'critical')).toBe(true);
    // A duplicate of the admitted request still attaches.
    const again = await temporal.client.workflow.getHandle(workflowId).describe();
    expect(again.status.name).toBe('RUNNING');
  });

  it('`civicos run`: a CivicOS run counts against the same cap and a second one is refused with an alert', async () => {
    const temporal = await namespace('test-admission-run');
    const first = await civicos(temporal, ['run', 'donor-digest', '--date', '2026-11-02', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ workflowId: 'donor-digest:2026-11-02', status: 'RUNNING' });
    await eventually(async () => (await admittedCount(temporal.client, 'prod')) === 1, { what: 'visibility to show the first run' });
    const before = receiver.alerts.length;

    const refused = await civicos(temporal, ['run', 'ops-monitor', '--date', '2026-11-02']);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/QueueFull: lane prod has 1 unfinished requests \(cap 1\)/);
    await eventually(() => receiver.alerts.slice(before).find((a) => a.kind === 'queue_full' && a.subject === 'ops-monitor:2026-11-02'), { what: 'queue_full alert for the refused run' });
    expect((await temporal.client.workflow.count('WorkflowId = "ops-monitor:2026-11-02"')).count).toBe(0);
    // The same business key again attaches to its run, cap or not.
    const rerun = await civicos(temporal, ['run', 'donor-digest', '--date', '2026-11-02', '--json']);
    expect(rerun.code).toBe(0);
  });

  it('`civicos infer`: an experimental request without ttl_seconds gets CIVICOS_EXPERIMENTAL_TTL_S', async () => {
    const temporal = await namespace('test-admission-infer');
    const file = payloadFile(`exp ${uniqueId('e')}`, { lane: 'experimental', priority: 'normal', experiment_tag: 'ttl-env', success_criteria: 'gets the env TTL' });
    const submitted = await civicos(temporal, ['infer', '--file', file, '--json'], { CIVICOS_EXPERIMENTAL_TTL_S: '77' });
    expect(submitted.code).toBe(0);
    const { workflowId } = JSON.parse(submitted.out) as { workflowId: string };
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = await decodedJson<{ ttl_seconds?: number }>(started!.input!.payloads![0]);
    expect(input?.ttl_seconds).toBe(77);
  });
});
