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
 * would let an idle experimental poller halve prod's capacity. Each lane therefore counts its
 * own held slots plus the other lane's *running* ones: prod may take every slot; experimental
 * gets only what prod leaves, never the `reservedForProd` slots, and nothing while a prod
 * reservation waits.
 */
export class SlotBudget {
  private readonly held: Record<Lane, number> = { prod: 0, experimental: 0 };
  private readonly running: Record<Lane, number> = { prod: 0, experimental: 0 };
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly slots: number,
    readonly reservedForProd: number = slots >= 2 ? 1 : 0,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a whole number ≥ 1, got ${slots}`);
    if (reservedForProd < 0 || reservedForProd > slots) throw new RangeError(`reservedForProd must be 0..${slots}, got ${reservedForProd}`);
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
      },
      releaseSlot: (ctx) => {
        if (ctx.slotInfo) this.running[lane] = Math.max(0, this.running[lane] - 1);
        this.held[lane] = Math.max(0, this.held[lane] - 1);
        this.wake();
      },
    };
  }

  private canTake(lane: Lane): boolean {
    if (lane === 'prod') return this.held.prod + this.running.experimental < this.slots;
    return (
      this.held.experimental < this.slots - this.reservedForProd &&
      this.held.experimental + this.running.prod < this.slots &&
      !this.waiters.some((w) => w.lane === 'prod')
    );
  }

  private take(lane: Lane): SlotPermit {
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
          const error = new Error('slot reservation aborted');
          error.name = 'AbortError';
          reject(error);
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
