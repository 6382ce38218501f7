import type { Client } from '@temporalio/client';
import { AlertSender, type AlertSink } from '../activities/alerts';
import { loadEnv, type PlatformEnv, type QueuePolicy } from '../platform/env';
import type { Lane } from '../common/lanes';
import { logger, type JsonLogger } from '../platform/logger';
import { admittedCount } from '../platform/lane-admin';
import { ADMISSION_FAILURE } from '../common/failures';

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
}

/** Admission as the environment configures it: `CIVICOS_QUEUE_CAP_*`, `CIVICOS_EXPERIMENTAL_TTL_S`, `CIVICOS_ALERT_WEBHOOK`. */
export function admissionFromEnv(env: PlatformEnv, logger: JsonLogger): Admission {
  return { policy: env.queue, alerts: new AlertSender({ logger, webhook: env.alertWebhook }) };
}

/** The caller's admission settings, else the environment's (read when needed, never frozen at import). */
export function resolveAdmission(options: Partial<Admission>): Admission {
  if (options.policy && options.alerts) return { policy: options.policy, alerts: options.alerts };
  const fromEnv = admissionFromEnv(loadEnv(), logger());
  return { policy: options.policy ?? fromEnv.policy, alerts: options.alerts ?? fromEnv.alerts };
}

/**
 * Admission control: a lane holds at most its cap of unfinished work (inference requests and
 * CivicOS runs). A duplicate of admitted work is never refused (it attaches to the existing run).
 * A refused prod submit raises a `queue_full` alert.
 */
export async function admit(client: Client, admission: Admission, work: { lane: Lane; workflowId: string; subject: string; agentId: string }): Promise<void> {
  const cap = work.lane === 'prod' ? admission.policy.capProd : admission.policy.capExperimental;
  const admitted = await admittedCount(client, work.lane);
  if (admitted < cap) return;
  const existing = await client.workflow.count(`WorkflowId = "${work.workflowId}"`);
  if (existing.count > 0) return;
  const error = new QueueFullError(work.lane, admitted, cap);
  if (work.lane === 'prod') {
    await admission.alerts.send({ kind: 'queue_full', severity: 'critical', lane: 'prod', subject: work.subject, message: error.message, details: { admitted, cap, agentId: work.agentId, workflowId: work.workflowId } });
  }
  throw error;
}
