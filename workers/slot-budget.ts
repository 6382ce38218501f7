import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';
import type { Lane } from '../common/lanes';

interface Waiter {
  lane: Lane;
  resolve: (permit: SlotPermit) => void;
}

/**
 * One budget of model-host slots shared by the prod and experimental lane Workers of a process,
 * so the host sees at most `slots` concurrent calls and Temporal's priority, not Ollama's FIFO,
 * orders the work.
 *
 * Worker pollers hold a slot while they wait for a task, so counting held slots across lanes
 * would let idle pollers of one lane starve the other. So prod may hold every slot, whatever
 * experimental runs; experimental holds only what *running* prod work leaves, never the
 * `reservedForProd` slots, and nothing while the prod backlog is too old (deferral). (An idle
 * prod Worker always has a reservation waiting, so a waiting prod reservation says nothing about
 * prod demand; the server's backlog does.) When a prod task starts on a full host, the newest experimental call is
 * pre-empted (`trackExperimental`), so the host never runs more than `slots` calls for long and
 * prod never waits behind experimental work.
 */
export class SlotBudget {
  private readonly held: Record<Lane, number> = { prod: 0, experimental: 0 };
  private readonly running: Record<Lane, number> = { prod: 0, experimental: 0 };
  private readonly waiters: Waiter[] = [];
  private deferred = false;
  private hostDown = false;
  /** While the host is down: one prod task may still be taken (see passOneProdTask). */
  private prodPassWhileDown = false;
  /** Running experimental calls, oldest first, each with a way to stop it. */
  private readonly preemptible: Array<() => void> = [];

  constructor(
    readonly slots: number,
    readonly reservedForProd: number = slots >= 2 ? 1 : 0,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a whole number ≥ 1, got ${slots}`);
    if (reservedForProd < 0 || reservedForProd > slots) throw new RangeError(`reservedForProd must be 0..${slots}, got ${reservedForProd}`);
  }

  /**
   * An experimental call registers how to stop it. Idle prod pollers hold no counted slot, so a
   * prod task can start while experimental work fills the host; the newest experimental call is
   * then stopped (and re-run later) so prod never waits behind it in the host's own queue.
   */
  trackExperimental(preempt: () => void): () => void {
    this.preemptible.push(preempt);
    return () => {
      const index = this.preemptible.indexOf(preempt);
      if (index >= 0) this.preemptible.splice(index, 1);
    };
  }

  private preemptIfOversubscribed(): void {
    while (this.running.prod + this.running.experimental - this.pendingPreemptions > this.slots && this.preemptible.length > 0) {
      const preempt = this.preemptible.pop()!;
      this.pendingPreemptions += 1;
      preempt();
    }
  }

  /** Preempted calls still hold their slot until their activity ends and releases it. */
  private pendingPreemptions = 0;

  /** True while the prod backlog is too old: experimental work gets no new slot. */
  get experimentalDeferred(): boolean {
    return this.deferred;
  }

  setExperimentalDeferred(deferred: boolean): void {
    this.deferred = deferred;
    if (!deferred) this.wake();
  }

  /** True while the model host is down: no lane gets a new slot, so tasks wait in the lane queues. */
  get modelHostDown(): boolean {
    return this.hostDown;
  }

  setHostDown(down: boolean): void {
    this.hostDown = down;
    this.prodPassWhileDown = false;
    if (!down) this.wake();
  }

  /**
   * While the host is down, lets one prod task through (the worker calls this about once a second):
   * it fails fast with `ModelHostDown`, so a prod request queued during the outage learns of it and
   * waits only up to its bound before falling back. Experimental work gets nothing: it waits in the
   * queue up to its TTL.
   */
  passOneProdTask(): void {
    if (!this.hostDown) return;
    this.prodPassWhileDown = true;
    this.wake();
  }

  snapshot(): { slots: number; reservedForProd: number; held: Record<Lane, number>; running: Record<Lane, number>; waiting: number } {
    return { slots: this.slots, reservedForProd: this.reservedForProd, held: { ...this.held }, running: { ...this.running }, waiting: this.waiters.length };
  }

  supplier(lane: Lane): CustomSlotSupplier<ActivitySlotInfo> {
    return {
      type: 'custom',
      reserveSlot: (_ctx, abortSignal) => this.reserve(lane, abortSignal),
      tryReserveSlot: () => (this.waiters.length === 0 && this.canTake(lane) ? this.take(lane) : null),
      markSlotUsed: () => {
        this.running[lane] += 1;
        if (lane === 'prod') this.preemptIfOversubscribed();
      },
      releaseSlot: (ctx) => {
        if (ctx.slotInfo) this.running[lane] = Math.max(0, this.running[lane] - 1);
        if (lane === 'experimental' && this.pendingPreemptions > 0 && ctx.slotInfo) this.pendingPreemptions -= 1;
        this.held[lane] = Math.max(0, this.held[lane] - 1);
        this.wake();
      },
    };
  }

  private canTake(lane: Lane): boolean {
    if (this.hostDown) return lane === 'prod' && this.prodPassWhileDown && this.held.prod === 0;
    // Prod is bounded only by the host: if experimental work is in the way, it is pre-empted.
    if (lane === 'prod') return this.held.prod < this.slots;
    return (
      !this.deferred &&
      this.held.experimental < this.slots - this.reservedForProd &&
      this.held.experimental + this.running.prod < this.slots
    );
  }

  private take(lane: Lane): SlotPermit {
    if (this.hostDown) this.prodPassWhileDown = false;
    this.held[lane] += 1;
    return { lane };
  }

  private reserve(lane: Lane, abortSignal: AbortSignal): Promise<SlotPermit> {
    if (!this.waiters.some((w) => w.lane === lane) && this.canTake(lane)) return Promise.resolve(this.take(lane));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { lane, resolve };
      this.waiters.push(waiter);
      abortSignal.addEventListener(
        'abort',
        () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          // The signal's own reason: the SDK recognises it as its own shutdown, not a supplier error.
          reject(abortSignal.reason);
        },
        { once: true },
      );
    });
  }

  /** Prod waiters first, then experimental, each in arrival order. */
  private wake(): void {
    for (const lane of ['prod', 'experimental'] as const) {
      for (let i = this.waiters.findIndex((w) => w.lane === lane); i >= 0; i = this.waiters.findIndex((w) => w.lane === lane)) {
        if (!this.canTake(lane)) break;
        const [waiter] = this.waiters.splice(i, 1);
        waiter?.resolve(this.take(lane));
      }
    }
  }

}
