import type { ScheduleDefinitionInput } from '../common/schedule-definition';

/**
 * The CivicOS schedules, replacing the old crontab. `civicos schedules apply` makes the Temporal
 * schedules match this list (create or update, idempotently); `civicos schedules list` shows
 * next/last runs and missed/skipped counts. Only workflows keyed by a date can be scheduled.
 *
 * - overlap SKIP: a firing while the previous run is still going is skipped (and counted).
 * - catchupWindow: after an outage, firings missed by less than this still run; older ones are
 *   counted as missed. A missed day can always be run by hand: `civicos run <workflow> --date`.
 * - pauseOnFailure: a failed prod run pauses its schedule until an operator unpauses it
 *   (the failure has already alerted).
 */
export const SCHEDULES: ScheduleDefinitionInput[] = [
  {
    id: 'donor-digest-weekday',
    workflow: 'donor-digest',
    cron: '0 7 * * MON-FRI',
    timezone: 'Europe/Berlin',
    overlap: 'SKIP',
    catchupWindow: '6h',
    pauseOnFailure: true,
    note: 'Weekday donor digest for the development team, in their inbox before 08:00.',
  },
  {
    id: 'grant-deadline-watch-daily',
    workflow: 'grant-deadline-watch',
    cron: '30 6 * * *',
    timezone: 'Europe/Berlin',
    overlap: 'SKIP',
    catchupWindow: '12h',
    pauseOnFailure: true,
    note: 'Daily grant deadline watch; alerts on deadlines within 7 days.',
  },
  {
    id: 'ops-monitor-daily',
    workflow: 'ops-monitor',
    cron: '0 18 * * *',
    timezone: 'Europe/Berlin',
    overlap: 'SKIP',
    catchupWindow: '2h',
    pauseOnFailure: true,
    note: "End-of-day operations review of the day's events.",
  },
  {
    id: 'pilot-grant-summary-weekday',
    workflow: 'pilot-grant-summary',
    cron: '0 9 * * MON-FRI',
    timezone: 'Europe/Berlin',
    overlap: 'SKIP',
    catchupWindow: '1h',
    pauseOnFailure: false,
    note: 'Experimental lane pilot; a failure is recorded, the schedule keeps going.',
  },
];
