import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { formatScheduleRows, listSchedules } from '../client/schedules';
import type { ScheduleDefinitionInput } from '../common/schedule-definition';
import { freePort, startDevServer, type DevServer } from '../deploy/temporal/dev-server';
import { eventually, testDataConverter } from './support/temporal';

/**
 * A firing the server could not run within the catch-up window (it was down) is counted as missed
 * and shown by `schedules list`. This needs an outage, so the test runs its own dev server on a
 * SQLite file and stops it for a while; the schedule fires every 5 s with the server's minimum
 * catch-up window (10 s), created directly (our definitions are minute-granular cron).
 */
let server: DevServer | undefined;
let connection: Connection | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-missed-'));

afterAll(async () => {
  await connection?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const definition: ScheduleDefinitionInput = {
  id: 'missed-probe',
  workflow: 'donor-digest',
  cron: '* * * * *',
  timezone: 'UTC',
  overlap: 'SKIP',
  catchupWindow: '1m',
  pauseOnFailure: true,
  note: 'probe for missed firings during an outage',
};

async function start(port: number): Promise<Client> {
  server = await startDevServer({ temporalPath: inject('temporalCliPath'), port, namespace: 'default', dbFile: path.join(dir, 'temporal.sqlite') });
  connection = await Connection.connect({ address: server.address });
  return new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
}

describe('schedule health', () => {
  it('counts firings missed during a server outage (past the catch-up window) in schedules list', async () => {
    const port = await freePort();
    let client = await start(port);
    await client.schedule.create({
      scheduleId: 'missed-probe',
      spec: { intervals: [{ every: '5s' }] },
      // No worker polls this queue: started runs just wait; only the firing bookkeeping matters here.
      action: { type: 'startWorkflow', workflowType: 'scheduledRun', workflowId: 'scheduled:missed-probe', taskQueue: 'civicos-missed-probe', args: [{ workflow: 'donor-digest', timezone: 'UTC' }] },
      policies: { catchupWindow: '10s', overlap: 'ALLOW_ALL' },
    });
    expect((await listSchedules(client, [definition]))[0]).toMatchObject({ state: 'active', missedCatchupWindow: 0 });

    // The outage: longer than the catch-up window plus a few intervals.
    await connection!.close();
    connection = undefined;
    await server!.stop();
    const downUntil = Date.now() + 25_000;
    await eventually(() => Date.now() > downUntil, { timeoutMs: 30_000, intervalMs: 500, what: 'the outage to last 25 s' });

    client = await start(port);
    const row = await eventually(async () => {
      const [r] = await listSchedules(client, [definition]);
      return r && r.missedCatchupWindow > 0 ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'missed firings counted after the restart' });
    expect(row.missedCatchupWindow).toBeGreaterThanOrEqual(1);
    expect(formatScheduleRows([row])).toMatch(new RegExp(`missed \\(catch-up window\\) ${row.missedCatchupWindow}`));
  }, 120_000);
});
