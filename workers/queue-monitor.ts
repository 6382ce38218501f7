import type { Client } from '@temporalio/client';
import type { AlertSink } from '../activities/alerts';
import { backlogOf, describeLane, pauseStateOf } from '../platform/lane-admin';
import type { QueuePolicy } from '../platform/env';
import { LANES, laneQueue } from '../common/lanes';
import type { JsonLogger } from '../platform/logger';

/**
 * Watches the lanes and alerts (webhook + log) once per episode when a lane stays paused past
 * its threshold or the prod backlog gets older than its SLO.
 */
export function startQueueMonitor(options: { client: Client; policy: QueuePolicy; alerts: AlertSink; logger: JsonLogger }): { stop(): void; check(): Promise<void> } {
  const raised = new Set<string>();
  const once = async (key: string, active: boolean, send: () => Promise<void>): Promise<void> => {
    if (!active) {
      raised.delete(key);
      return;
    }
    if (raised.has(key)) return;
    raised.add(key);
    await send();
  };
  const check = async (): Promise<void> => {
    const now = Date.now();
    for (const lane of LANES) {
      const description = await describeLane(options.client, lane);
      const pause = pauseStateOf(description.config);
      const pausedFor = pause.paused && pause.since ? (now - Date.parse(pause.since)) / 1000 : 0;
      await once(`paused:${lane}:${pause.since}`, pause.paused && pausedFor > options.policy.alertPausedAfterSeconds, () =>
        options.alerts.send({
          kind: 'queue_paused_too_long',
          severity: lane === 'prod' ? 'critical' : 'warning',
          lane,
          subject: laneQueue(lane),
          message: `lane ${lane} paused for ${Math.round(pausedFor)}s (threshold ${options.policy.alertPausedAfterSeconds}s) by ${pause.by}: ${pause.reason}`,
          details: { ...pause, pausedForSeconds: Math.round(pausedFor) },
        }),
      );
      if (lane !== 'prod') continue;
      const { backlog, oldestWaitingSeconds: age } = backlogOf(description.stats);
      await once('prod-backlog-slo', backlog > 0 && age > options.policy.prodBacklogSloSeconds, () =>
        options.alerts.send({
          kind: 'prod_backlog_over_slo',
          severity: 'critical',
          lane,
          subject: laneQueue(lane),
          message: `prod backlog of ${backlog} tasks, oldest waiting ${Math.round(age)}s (SLO ${options.policy.prodBacklogSloSeconds}s)`,
          details: { backlog, oldestWaitingSeconds: Math.round(age), paused: pause.paused },
        }),
      );
    }
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch((error: unknown) => options.logger.warn('queue monitor check failed', { error }))
      .finally(() => {
        running = false;
      });
  }, options.policy.monitorIntervalMs);
  return { stop: () => clearInterval(timer), check };
}
