import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { AlertSender, type AlertSink } from '../activities/alerts';
import { loadEnv, type PlatformEnv, type QueuePolicy } from '../platform/env';
import type { Lane } from '../common/lanes';
import { logger, type JsonLogger } from '../platform/logger';
import { ADMISSION_FAILURE } from '../common/failures';
import { recordQueueFullRefusal } from '../platform/metrics';
import { DEFAULT_COUNT_REFRESH_MS, laneCount, NOT_COUNTED, type Reservation } from './admitted-counts';

export type { Reservation } from './admitted-counts';

/** The lane's admission cap is reached: nothing was started; retry later or raise the cap. */
export class QueueFullError extends Error {
  override readonly name = ADMISSION_FAILURE.queueFull;
  constructor(
    readonly lane: Lane,
    readonly admitted: number,
    readonly cap: number,
  ) {
    super(`${ADMISSION_FAILURE.queueFull}: lane ${lane} has ${admitted} unfinished requests (cap ${cap}); nothing was submitted. Retry later, or raise CIVICOS_QUEUE_CAP_${lane.toUpperCase()}`);
  }
}

/** What admission control needs: the caps (and default experimental TTL) and where a prod refusal is alerted. */
export interface Admission {
  policy: Pick<QueuePolicy, 'capProd' | 'capExperimental' | 'experimentalTtlSeconds'>;
  alerts: AlertSink;
  /**
   * How old (ms) the lane's visibility count may be when a submit is admitted against it; a
   * submit that would be refused always re-reads it first.
   * @default 1000
   */
  countRefreshMs?: number;
}

/** Admission as the environment configures it: `CIVICOS_QUEUE_CAP_*`, `CIVICOS_EXPERIMENTAL_TTL_S`, `CIVICOS_ALERT_WEBHOOK`. */
export function admissionFromEnv(env: Pick<PlatformEnv, 'queue' | 'alertWebhook'>, logger: JsonLogger): Admission {
  return { policy: env.queue, alerts: new AlertSender({ logger, webhook: env.alertWebhook }) };
}

/** This process's environment, read at the first submit that needs it (never at import), then kept. */
let processEnv: Pick<PlatformEnv, 'queue' | 'alertWebhook'> | undefined;

/** The caller's admission settings, else the environment's. */
export function resolveAdmission(options: Partial<Admission>): Admission {
  const { countRefreshMs } = options;
  if (options.policy && options.alerts) return { policy: options.policy, alerts: options.alerts, countRefreshMs };
  processEnv ??= loadEnv();
  // The alert sink is built per call so it logs through the logger configured now.
  const fromEnv = admissionFromEnv(processEnv, logger());
  return { policy: options.policy ?? fromEnv.policy, alerts: options.alerts ?? fromEnv.alerts, countRefreshMs };
}

/**
 * Admission control: a lane holds at most its cap of unfinished work (inference requests and
 * CivicOS runs). A duplicate of admitted work is never refused (it attaches to the existing run).
 * A refused prod submit raises a `queue_full` alert.
 *
 * The count is not read from visibility on every submit: each client keeps the lane's last count
 * plus its own admits that count cannot contain yet (`admitted-counts.ts`), and re-reads it when
 * the last read is older than `countRefreshMs`. A refusal never rests on that cached number: a
 * submit that finds the cap reached re-reads the count (a read sent after the submit began) and is
 * refused only if that read still says so. Overshoot bound: a process's own admits are always
 * counted, so the lane passes its cap only by what *other* processes admitted since this one's
 * last read (at most one refresh interval ago) plus what visibility had not indexed at that read
 * (the lag a per-submit count had as well). A process that submits once (the CLI) reads once.
 * Resolves to the admit's reservation: settle it when the start call returned.
 */
export async function admit(client: Client, admission: Admission, work: { lane: Lane; workflowId: string; subject: string; agentId: string }): Promise<Reservation> {
  const cap = work.lane === 'prod' ? admission.policy.capProd : admission.policy.capExperimental;
  const begun = performance.now();
  const count = laneCount(client, work.lane);
  await count.readSince(begun - (admission.countRefreshMs ?? DEFAULT_COUNT_REFRESH_MS));
  if (count.value < cap) return count.reserve();
  await count.readSince(begun);
  const admitted = count.value;
  if (admitted < cap) return count.reserve();
  if (await workflowExists(client, work.workflowId)) return NOT_COUNTED;
  const error = new QueueFullError(work.lane, admitted, cap);
  recordQueueFullRefusal(work.lane);
  if (work.lane === 'prod') {
    await admission.alerts.send({ kind: 'queue_full', severity: 'critical', lane: 'prod', subject: work.subject, message: error.message, details: { admitted, cap, agentId: work.agentId, workflowId: work.workflowId } });
  }
  throw error;
}

/** Whether the ID already has a run (running or closed), from the server's record, not visibility. */
export async function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
