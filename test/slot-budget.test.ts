import type { SlotPermit } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { SlotBudget } from '../workers/slot-budget';

const never = new AbortController().signal;
type Supplier = ReturnType<SlotBudget['supplier']>;
const ctx = {} as Parameters<Supplier['reserveSlot']>[0];

/** Reserve a slot and run a task in it, the way the SDK does (reserve → mark used → release). */
async function run(supplier: Supplier): Promise<() => void> {
  const permit: SlotPermit = await supplier.reserveSlot(ctx, never);
  supplier.markSlotUsed({ slotInfo: { type: 'activity', activityType: 'runInference' }, permit });
  return () => supplier.releaseSlot({ slotInfo: { type: 'activity', activityType: 'runInference' }, permit });
}

function settled(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
}

describe('shared slot budget of a model host', () => {
  it('lets prod use every slot', async () => {
    const budget = new SlotBudget(2);
    const prod = budget.supplier('prod');
    await run(prod);
    await run(prod);
    expect(budget.snapshot().running.prod).toBe(2);
    expect(await settled(prod.reserveSlot(ctx, never))).toBe(false);
  });

  it('never gives experimental the slot reserved for prod', async () => {
    const budget = new SlotBudget(2, 1);
    const experimental = budget.supplier('experimental');
    await run(experimental);
    // An idle prod Worker holds every slot it may poll with, and still experimental runs.
    await budget.supplier('prod').reserveSlot(ctx, never);
    expect(await settled(experimental.reserveSlot(ctx, never))).toBe(false);
    expect(experimental.tryReserveSlot(ctx)).toBeNull();
    // …while prod still gets a slot at once.
    expect(await settled(budget.supplier('prod').reserveSlot(ctx, never))).toBe(true);
  });

  it('gives experimental only what running prod work leaves', async () => {
    const budget = new SlotBudget(3, 1);
    const prod = budget.supplier('prod');
    await run(prod);
    await run(prod);
    const experimental = budget.supplier('experimental');
    expect(await settled(experimental.reserveSlot(ctx, never))).toBe(true);
    expect(await settled(experimental.reserveSlot(ctx, never))).toBe(false);
  });

  it('serves a waiting prod reservation before a waiting experimental one', async () => {
    const budget = new SlotBudget(1, 0);
    const release = await run(budget.supplier('experimental'));
    const order: string[] = [];
    const experimentalWaits = budget.supplier('experimental').reserveSlot(ctx, never).then(() => order.push('experimental'));
    const prodWaits = budget.supplier('prod').reserveSlot(ctx, never).then(() => order.push('prod'));
    release();
    await Promise.all([prodWaits, experimentalWaits]);
    expect(order).toEqual(['prod', 'experimental']);
  });

  it('pre-empts the newest experimental call when a prod task finds the host full', async () => {
    const budget = new SlotBudget(2, 1);
    const stopped: string[] = [];
    await run(budget.supplier('experimental'));
    budget.trackExperimental(() => stopped.push('exp-1'));
    await run(budget.supplier('prod'));
    expect(stopped).toEqual([]);
    await run(budget.supplier('prod'));
    expect(stopped).toEqual(['exp-1']);
  });

  it('defers experimental work entirely while prod is backed up, and resumes it after', async () => {
    const budget = new SlotBudget(4, 1);
    budget.setExperimentalDeferred(true);
    const waiting = budget.supplier('experimental').reserveSlot(ctx, never);
    expect(await settled(waiting)).toBe(false);
    expect(await settled(budget.supplier('prod').reserveSlot(ctx, never))).toBe(true);
    budget.setExperimentalDeferred(false);
    expect(await settled(waiting)).toBe(true);
  });

  it("rejects an aborted reservation with the signal's own reason (the SDK logs anything else as a supplier error) and forgets it", async () => {
    const budget = new SlotBudget(1, 0);
    await run(budget.supplier('prod'));
    const abort = new AbortController();
    const waiting = budget.supplier('prod').reserveSlot(ctx, abort.signal);
    abort.abort(new Error('worker shutting down'));
    // worker-tuner.js logs "Error in custom slot supplier" unless `error === abortSignal.reason`.
    await expect(waiting).rejects.toBe(abort.signal.reason);
    expect(budget.snapshot().waiting).toBe(0);
  });

  it('grants no slot while the host is down, except one prod task per pass; resumes when it is back', async () => {
    const budget = new SlotBudget(2, 1);
    budget.setHostDown(true);
    const prod = budget.supplier('prod');
    const experimental = budget.supplier('experimental');
    const prodWaits = prod.reserveSlot(ctx, never);
    const expWaits = experimental.reserveSlot(ctx, never);
    expect(await settled(prodWaits)).toBe(false);
    expect(prod.tryReserveSlot(ctx)).toBeNull();
    // A pass lets exactly one prod task through (it fails fast and tells its workflow of the outage).
    budget.passOneProdTask();
    expect(await settled(prodWaits)).toBe(true);
    const second = prod.reserveSlot(ctx, never);
    budget.passOneProdTask();
    expect(await settled(second)).toBe(false);
    expect(await settled(expWaits)).toBe(false);
    budget.setHostDown(false);
    expect(await settled(expWaits)).toBe(true);
  });

  it('refuses nonsense sizes', () => {
    expect(() => new SlotBudget(0)).toThrow(/slots/);
    expect(() => new SlotBudget(2, 3)).toThrow(/reservedForProd/);
  });
});
