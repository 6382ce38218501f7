import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../common/lanes';
import { SA } from '../common/search-attributes';
import type { QueueStatus } from '../client/queue-admin';
import { npxCivicos, REPO_ROOT, runCommand } from './support/cli';
import { startPlatform } from './support/platform';
import { connectTest, eventually, uniqueId, type TestTemporal } from './support/temporal';

// A run started by any starter (the `temporal` CLI, a script with the raw client, a schedule)
// sets its search attributes itself, so it is queryable by lane and counted by admission and
// `queue status`. The workflow worker runs, but no inference host: requests stay queued on the
// lane, i.e. admitted and unfinished, for as long as the test looks at them.
let temporal: TestTemporal;
let platform: Awaited<ReturnType<typeof startPlatform>>;
const started: string[] = [];

const examplePayload = path.join(REPO_ROOT, 'examples/payloads/donor-digest.json');
const payload = (): Record<string, unknown> => JSON.parse(fs.readFileSync(examplePayload, 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-search-attributes' });
  platform = await startPlatform(temporal, []);
});
afterAll(async () => {
  for (const id of started) await temporal.client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
  await platform?.stop();
  await temporal?.close();
});

const count = async (query: string): Promise<number> => (await temporal.client.workflow.count(query)).count;

describe('search attributes set inside the workflow (real Temporal)', () => {
  it('an inferenceRequest started with the raw client and no attributes is found by Lane and JobType', async () => {
    const workflowId = `inference:${uniqueId('raw')}`;
    // Exactly what `temporal workflow start` sends: type, queue, ID, input; no search attributes.
    await temporal.client.workflow.start('inferenceRequest', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId, args: [payload()] });
    started.push(workflowId);
    await eventually(async () => (await count(`WorkflowId = "${workflowId}" AND Lane = "prod" AND JobType = "inference-request"`)) === 1, { what: 'request visible by Lane', timeoutMs: 30_000 });
    const attributes = (await temporal.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
    expect(attributes.get(SA.CivicPriority)).toBe('high');
    expect(attributes.get(SA.AgentId)).toBe('development-team');
    expect(attributes.get(SA.CallingSkill)).toBe('donor-digest');
    expect(attributes.get(SA.Model)).toBe('local/qwen-14b');
  });

  it('a request started by the real `temporal` CLI is listed by `Lane="prod"` and counted by `civicos queue status`', async () => {
    const workflowId = `inference:${uniqueId('temporal-cli')}`;
    const connection = ['--address', temporal.address, '--namespace', temporal.namespace];
    const start = await runCommand(inject('temporalCliPath'), ['workflow', 'start', ...connection, '--task-queue', 'civicos', '--type', 'inferenceRequest', '--workflow-id', workflowId, '--input-file', examplePayload]);
    expect(start.code, start.stderr).toBe(0);
    started.push(workflowId);

    const listed = await eventually(async () => {
      const list = await runCommand(inject('temporalCliPath'), ['workflow', 'list', ...connection, '--query', `Lane="prod" AND WorkflowId="${workflowId}"`]);
      return list.code === 0 && list.stdout.includes(workflowId) ? list.stdout : undefined;
    }, { what: 'temporal workflow list --query Lane="prod" lists the request', timeoutMs: 30_000 });
    expect(listed).toContain('inferenceRequest');

    const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, CIVICOS_DATA_DIR: platform.env.dataDir };
    const status = await eventually(async () => {
      const run = await npxCivicos(['queue', 'status', '--json'], { env });
      const parsed = JSON.parse(run.stdout) as QueueStatus;
      return parsed.lanes.find((l) => l.lane === 'prod')?.admitted === started.length ? parsed : undefined;
    }, { what: `queue status counts ${started.length} admitted prod requests`, timeoutMs: 30_000 });
    expect(status.lanes.find((l) => l.lane === 'experimental')?.admitted).toBe(0);

    const text = await npxCivicos(['queue', 'status'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`admitted ${started.length},`));
  });

  it('a scheduledRun started by hand carries the launcher attributes', async () => {
    const workflowId = `donor-digest:scheduled:${uniqueId('by-hand')}`;
    await temporal.client.workflow.start('scheduledRun', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId, args: [{ workflow: 'donor-digest', timezone: 'UTC' }] });
    started.push(workflowId);
    await eventually(async () => (await count(`WorkflowId = "${workflowId}" AND JobType = "scheduled-run" AND Lane = "prod" AND CivicPriority = "high"`)) === 1, { what: 'launcher visible by JobType', timeoutMs: 30_000 });
    // Its business run (a child under the business key) carries the contract's attributes.
    const date = new Date().toISOString().slice(0, 10);
    const child = `donor-digest:${date}`;
    started.push(child);
    await eventually(async () => (await count(`WorkflowId = "${child}" AND JobType = "donor-digest"`)) === 1, { what: 'business run visible', timeoutMs: 30_000 });
  });
});
