import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCase } from '../../bench/chaos/cases';
import { connectChaos, type ChaosContext } from '../../bench/chaos/harness';
import { loadState } from '../../deploy/cluster/cluster';

/**
 * Outage cases: they hold the behaviour of the crash-test (outages) issue 12 on the cluster
 * (0 failed, 0 cloud calls, one model_host_down alert, a hang noticed within 30 s).
 */
let ctx: ChaosContext;
beforeAll(async () => {
  ctx = await connectChaos(loadState(inject('clusterDir'))!, (line) => void process.stderr.write(`[chaos] ${line}\n`));
});
afterAll(async () => {
  await ctx?.close();
});

describe('outages on the cluster (issue 12 behaviour)', () => {
  it('a model host down for 60 s: 0 failed, 0 cloud calls, one alert, the healthy host takes the work', async () => {
    const result = await runCase(ctx, 'host-down', { hostDownMs: 60_000, perSecond: 2 });
    expect({ lost: result.lost, duplicated: result.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    const [, alerts, cloud, servedByB] = /model_host_down alerts (\d+); cloud calls (\d+); served by gpu-b during the outage (\d+)/.exec(result.notes[0]!) ?? [];
    expect(Number(alerts)).toBe(1);
    expect(Number(cloud)).toBe(0);
    expect(Number(servedByB)).toBeGreaterThan(0);
  }, 300_000);

  it('a host that hangs mid-stream is noticed within 30 s and retried; tokens counted once', async () => {
    const result = await runCase(ctx, 'host-hangs', { perSecond: 2 });
    expect({ lost: result.lost, duplicated: result.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    const [, seconds] = /noticed after ([\d.]+) s/.exec(result.notes[0]!) ?? [];
    expect(Number(seconds)).toBeLessThanOrEqual(30);
  }, 300_000);
});
