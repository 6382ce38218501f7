import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCase } from '../../bench/chaos/cases';
import { connectChaos, type ChaosContext } from '../../bench/chaos/harness';
import { loadState } from '../../deploy/cluster/cluster';

/**
 * The chaos suite's core cases (npm run chaos runs them at full size and prints the figures).
 * They restart the cluster's services: the cluster project runs one file at a time.
 */
let ctx: ChaosContext;
beforeAll(async () => {
  ctx = await connectChaos(loadState(inject('clusterDir'))!, (line) => void process.stderr.write(`[chaos] ${line}\n`));
});
afterAll(async () => {
  await ctx?.close();
});

describe('chaos on the cluster', () => {
  it('kill -9 of inference workers mid-generation: nothing lost, nothing run twice', async () => {
    const result = await runCase(ctx, 'kill-inference-worker', { kills: 2, perSecond: 3 });
    expect(result.requests).toBeGreaterThan(0);
    expect({ lost: result.lost, duplicated: result.duplicated, notes: result.notes }).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it('a restart of the Temporal services mid-flood: in-flight workflows finish, the schedule keeps firing', async () => {
    const result = await runCase(ctx, 'restart-temporal', { perSecond: 3 });
    expect({ lost: result.lost, duplicated: result.duplicated, notes: result.notes }).toMatchObject({ lost: 0, duplicated: 0 });
    expect(result.recoverMs).not.toBeNull();
  });

  it('a restart of PostgreSQL mid-flood: in-flight workflows finish, the schedule keeps firing', async () => {
    const result = await runCase(ctx, 'restart-postgres', { perSecond: 3 });
    expect({ lost: result.lost, duplicated: result.duplicated, notes: result.notes }).toMatchObject({ lost: 0, duplicated: 0 });
    expect(result.recoverMs).not.toBeNull();
  });

  it('10 concurrent duplicates of one request and of one CivicOS run make one run each', async () => {
    const result = await runCase(ctx, 'duplicates');
    expect({ duplicated: result.duplicated, notes: result.notes }).toMatchObject({ duplicated: 0 });
  });

  it('a flood past the prod cap is refused with QueueFull, nothing half-enqueued, every admitted request completes', async () => {
    const result = await runCase(ctx, 'flood-past-caps');
    expect({ lost: result.lost, notes: result.notes }).toMatchObject({ lost: 0 });
    const [, admitted, refused] = /admitted (\d+), QueueFull (\d+)/.exec(result.notes[0]!) ?? [];
    expect(Number(refused)).toBeGreaterThan(0);
    expect(Number(admitted) + Number(refused)).toBe(result.requests);
    // Refused submits hold nothing: the workflow worker's memory stays bounded.
    const [, before, after] = /RSS (\d+) → (\d+) MiB/.exec(result.notes[0]!) ?? [];
    expect(Number(after) - Number(before)).toBeLessThan(256);
  });
});
