import type { Client } from '@temporalio/client';
import type { Lane } from '../common/lanes';
import { admittedCount } from '../platform/lane-admin';

/** How old a lane's visibility count may get before a submit re-reads it. */
export const DEFAULT_COUNT_REFRESH_MS = 1_000;

/**
 * One admit this process counts on top of the last visibility read. Settle it once its start call
 * returned: `added` false (the ID already had a run) drops it; true (or unknown, after an error)
 * leaves it counted until a read sent after that moment covers it.
 */
export interface Reservation {
  settle(added: boolean): void;
}

/** A duplicate of admitted work adds nothing, so it is not counted. */
export const NOT_COUNTED: Reservation = { settle: () => undefined };

interface Read {
  seq: number;
  sentAt: number;
  done: Promise<void>;
}

/**
 * A lane's admitted count as this process sees it: the last visibility count plus this process's
 * own admits that count cannot contain yet (their start had not returned when it was read). Admits
 * are reserved synchronously after the check, so concurrent submits in one process are counted
 * exactly; what another process admits is seen at the next read (once visibility has indexed it).
 */
export class LaneCount {
  private visible = 0;
  /** When the read now applied was sent (`performance.now()`); -Infinity before the first. */
  private readSentAt = Number.NEGATIVE_INFINITY;
  private appliedSeq = 0;
  private seq = 0;
  private inFlight: Read | undefined;
  /** Own admits not yet covered by a read, each with the moment its start returned (undefined: still starting). */
  private readonly mine = new Map<object, number | undefined>();

  constructor(private readonly query: () => Promise<number>) {}

  /** Unfinished work of the lane: last read plus own admits since. */
  get value(): number {
    return this.visible + this.mine.size;
  }

  /** Makes the value rest on a read sent at or after `since`: the current one, one in flight, or a new one. */
  async readSince(since: number): Promise<void> {
    if (this.readSentAt >= since) return;
    if (this.inFlight && this.inFlight.sentAt >= since) return await this.inFlight.done;
    await this.read();
  }

  reserve(): Reservation {
    const token = {};
    this.mine.set(token, undefined);
    return {
      settle: (added) => {
        if (!added) this.mine.delete(token);
        else if (this.mine.has(token)) this.mine.set(token, performance.now());
      },
    };
  }

  private read(): Promise<void> {
    const seq = ++this.seq;
    const sentAt = performance.now();
    // Admits whose start returned before the read was sent are in its count (visibility lag aside);
    // those still starting, or admitted later, stay on top of it.
    const covered = [...this.mine].filter(([, startedAt]) => startedAt !== undefined).map(([token]) => token);
    const done = this.query()
      .then((count) => {
        if (seq < this.appliedSeq) return; // a read sent later already landed
        this.appliedSeq = seq;
        this.visible = count;
        this.readSentAt = sentAt;
        for (const token of covered) this.mine.delete(token);
      })
      .finally(() => {
        if (this.inFlight?.seq === seq) this.inFlight = undefined;
      });
    this.inFlight = { seq, sentAt, done };
    return done;
  }
}

const counts = new WeakMap<Client, Map<Lane, LaneCount>>();

/** The lane's count for this client (one per client and lane, for the life of the client). */
export function laneCount(client: Client, lane: Lane): LaneCount {
  let lanes = counts.get(client);
  if (!lanes) counts.set(client, (lanes = new Map()));
  let count = lanes.get(lane);
  if (!count) lanes.set(lane, (count = new LaneCount(() => admittedCount(client, lane))));
  return count;
}
