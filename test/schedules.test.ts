import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchedules, listSchedules, MANAGED_BY } from '../client/schedules';
import type { ScheduleDefinitionInput } from '../common/schedule-definition';
import { SCHEDULES } from '../config/schedules';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { localDate } from '../workflows/scheduled-run';
import { runCliCaptured } from './support/cli';
import { startPlatform } from './support/platform';
import { connectTest, eventually, type TestTemporal } from './support/temporal';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-schedules' });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = temporal.namespace;
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }]);
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await temporal?.close();
});

async function managedIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of temporal.client.schedule.list()) if (s.memo?.managedBy === MANAGED_BY) ids.push(s.scheduleId);
  return ids.sort();
}

const ids = SCHEDULES.map((s) => s.id).sort();

describe('schedules as data (real Temporal)', () => {
  it('apply creates every schedule; applying again changes nothing and makes no duplicates', async () => {
    const first = await applySchedules(temporal.client, SCHEDULES);
    expect(first.map((r) => [r.id, r.action])).toEqual(SCHEDULES.map((s) => [s.id, 'created']));
    const second = await applySchedules(temporal.client, SCHEDULES);
    expect(second.map((r) => r.action)).toEqual(SCHEDULES.map(() => 'unchanged'));
    await eventually(async () => JSON.stringify(await managedIds()) === JSON.stringify(ids), { what: 'schedules visible in the list' });
    expect(await managedIds()).toEqual(ids);

    const donor = await temporal.client.schedule.getHandle('donor-digest-weekday').describe();
    expect(donor.spec.timezone).toBe('Europe/Berlin');
    expect(donor.policies).toEqual({ overlap: 'SKIP', catchupWindow: 6 * 3_600_000, pauseOnFailure: true });
    expect(donor.action).toMatchObject({ workflowType: 'scheduledRun', taskQueue: 'civicos', args: [{ workflow: 'donor-digest', timezone: 'Europe/Berlin' }] });
    expect(donor.state.note).toMatch(/Weekday donor digest/);
  });

  it('a changed definition is updated in place, keeping an operator pause', async () => {
    await temporal.client.schedule.getHandle('ops-monitor-daily').pause('disk replacement tonight');
    const changed: ScheduleDefinitionInput[] = SCHEDULES.map((s) => (s.id === 'ops-monitor-daily' ? { ...s, catchupWindow: '3h', cron: '0 19 * * *' } : s));
    const results = await applySchedules(temporal.client, changed);
    expect(results.filter((r) => r.action !== 'unchanged')).toEqual([{ id: 'ops-monitor-daily', action: 'updated', detail: 'still paused' }]);
    const ops = await temporal.client.schedule.getHandle('ops-monitor-daily').describe();
    expect(ops.policies.catchupWindow).toBe(3 * 3_600_000);
    expect(ops.state).toMatchObject({ paused: true, note: 'disk replacement tonight' });
    expect((await applySchedules(temporal.client, changed)).every((r) => r.action === 'unchanged')).toBe(true);
    // Back to the shipped definition, unpaused.
    await applySchedules(temporal.client, SCHEDULES);
    await temporal.client.schedule.getHandle('ops-monitor-daily').unpause('done');
    expect(await managedIds()).toEqual(ids);
  });

  it('reports schedules no longer defined, and deletes them only with --prune', async () => {
    const withoutPilot = SCHEDULES.filter((s) => s.id !== 'pilot-grant-summary-weekday');
    await eventually(async () => (await applySchedules(temporal.client, withoutPilot, { dryRun: true })).some((r) => r.action === 'orphaned'), { what: 'orphan visible' });
    expect(await managedIds()).toEqual(ids);
    const pruned = await applySchedules(temporal.client, withoutPilot, { prune: true });
    expect(pruned.find((r) => r.id === 'pilot-grant-summary-weekday')?.action).toBe('deleted');
    expect((await applySchedules(temporal.client, SCHEDULES)).find((r) => r.id === 'pilot-grant-summary-weekday')?.action).toBe('created');
  });

  it('a firing runs the workflow under its business key; a second firing for the same day runs nothing', async () => {
    const handle = temporal.client.schedule.getHandle('donor-digest-weekday');
    const expectedId = `donor-digest:${localDate(new Date(), 'Europe/Berlin')}`;
    await handle.trigger();
    const row = await eventually(async () => {
      const rows = await listSchedules(temporal.client, SCHEDULES);
      const donor = rows.find((r) => r.id === 'donor-digest-weekday');
      return donor?.lastRun?.status === 'COMPLETED' ? donor : undefined;
    }, { what: 'scheduled run completed', timeoutMs: 30_000 });
    expect(row.lastRun?.businessRun).toBe(`${expectedId} (ran)`);
    // The launcher's ID names the workflow it runs (the Web UI shows every launcher as `scheduledRun`).
    expect(row.lastRun?.workflowId).toMatch(/^donor-digest:scheduled:donor-digest-weekday-/);
    expect(row).toMatchObject({ state: 'active', actionsTaken: 1, missedCatchupWindow: 0, skippedOverlap: 0, inSync: true });
    expect(row.nextRuns.length).toBeGreaterThan(0);

    await handle.trigger();
    await eventually(async () => {
      const donor = (await listSchedules(temporal.client, SCHEDULES)).find((r) => r.id === 'donor-digest-weekday');
      return donor?.actionsTaken === 2 && donor.lastRun?.status === 'COMPLETED' && donor.lastRun.businessRun === `${expectedId} (already-ran)`;
    }, { what: 'second firing completed', timeoutMs: 30_000 });
    expect((await temporal.client.workflow.count(`WorkflowId = "${expectedId}"`)).count).toBe(1);
  });

  it('`civicos schedules apply` and `list` work from the CLI', async () => {
    const applied = await runCliCaptured('schedules', 'apply');
    const listed = await runCliCaptured('schedules', 'list');
    expect([applied.code, listed.code]).toEqual([0, 0]);
    const text = applied.out + listed.out;
    expect(text).toMatch(/unchanged +donor-digest-weekday/);
    expect(text).toMatch(/donor-digest-weekday {2}\[active\] {2}donor-digest {2}"0 7 \* \* MON-FRI" Europe\/Berlin/);
    expect(text).toMatch(/next: 20\d\d-.*last: .* COMPLETED → donor-digest:.* \(already-ran\)/);
    expect(text).toMatch(/runs 2, running 0, missed \(catch-up window\) 0, skipped \(overlap\) 0; overlap SKIP, catch-up 360m, pause on failure yes/);
  });
});
