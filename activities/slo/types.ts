import type { Lane, Priority } from '../../common/lanes';
import type { InferenceRecord } from '../../stores/ledger';

/**
 * The daily SLO report: what it is computed from (`SloInputs`, gathered by gather.ts) and what it
 * says (`SloReport`, computed by compute.ts, a pure function). Workflows import these as types.
 */

/** One workflow run as visibility lists it (no inputs, no results: nothing a prompt could be in). */
export interface JobRun {
  workflowId: string;
  workflowType: string;
  /** The `JobType` search attribute, else the workflow type. */
  jobType: string;
  lane: Lane | null;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED' | 'CANCELLED' | 'CONTINUED_AS_NEW' | 'UNKNOWN';
  startTime: string;
  closeTime: string | null;
  /** Failure type (ApplicationFailure type, or `timeout`/`terminated`) of a run that did not complete. */
  failureReason: string | null;
}

export interface RoutingEventRecord {
  ts: string;
  workflowId: string;
  kind: 'fallback' | 'cloud_allowed' | 'cloud_refused';
  lane: Lane;
  taskClass: string;
  from: string;
  to: string | null;
  reason: string;
}

export interface ScheduleObservation {
  id: string;
  workflow: string;
  paused: boolean;
  /** Firing times the schedule's spec has inside the report window (the server's ListScheduleMatchingTimes). */
  expected: string[];
  /** Runs the schedule started whose scheduled time is inside the window. */
  runs: Array<{ workflowId: string; scheduledAt: string; startedAt: string; status: JobRun['status'] }>;
  /** The server's counters since the schedule was created (not per day). */
  missedCatchupWindowTotal: number;
  skippedOverlapTotal: number;
}

export interface ApprovalObservation {
  workflowId: string;
  jobType: string;
  /** When the run started waiting (its start time; the draft comes a model call later). */
  since: string;
}

export interface LaneSnapshot {
  lane: Lane;
  backlog: number;
  oldestWaitingMs: number;
}

/** What each day's report keeps for the 28-day error budget: good and total events per SLO. */
export interface DailySloCounts {
  date: string;
  counts: Record<SloId, { good: number; total: number }>;
}

export interface SloInputs {
  date: string;
  /** [start, end): the UTC day, cut at `generatedAt` for today. */
  windowStart: string;
  windowEnd: string;
  generatedAt: string;
  /** Inference ledger records from 24 h before `windowEnd` up to it (burn-rate windows reach back). */
  inference: InferenceRecord[];
  routing: RoutingEventRecord[];
  /** Runs started or closed from 24 h before `windowEnd` up to it. */
  jobs: JobRun[];
  lanes: LaneSnapshot[];
  schedules: ScheduleObservation[];
  approvals: ApprovalObservation[];
  /** Stored counts of earlier days (up to 27), for the 28-day error budget. */
  history: DailySloCounts[];
}

export type SloId = 'prod_success' | 'prod_queue_wait' | 'urgent_start';
export const SLO_IDS: readonly SloId[] = ['prod_success', 'prod_queue_wait', 'urgent_start'];

export interface SloRow {
  id: SloId;
  title: string;
  target: string;
  /** The day's value: a ratio (0..1) for success, milliseconds for waits; null without data. */
  value: number | null;
  unit: 'ratio' | 'ms';
  pass: boolean | null;
  good: number;
  total: number;
  /** Share of events allowed to be bad (1 − objective). */
  allowedBadFraction: number;
  errorBudget: { windowDays: 28; daysWithData: number; good: number; total: number; remaining: number | null };
  /** Bad fraction ÷ allowed bad fraction over the last 1 h, 6 h and 1 d of the window (1 = on budget). */
  burnRate: { '1h': number | null; '6h': number | null; '1d': number | null };
}

export interface LanePriorityRow {
  lane: Lane;
  priority: Priority;
  started: number;
  waitP50Ms: number | null;
  waitP95Ms: number | null;
  waitP99Ms: number | null;
}

export interface LaneRow {
  lane: Lane;
  started: number;
  waitP50Ms: number | null;
  waitP95Ms: number | null;
  waitP99Ms: number | null;
  urgentStartP95Ms: number | null;
  /** Most tasks waiting at once (rebuilt from the ledger: each attempt waited from ts − queueWait to ts). */
  maxBacklog: number;
  maxBacklogAt: string | null;
  /** How long the oldest task of that peak waited in the end. */
  maxBacklogAgeMs: number;
  expired: number;
  deferred: number;
  /** At report time, from the server. */
  backlogNow: number | null;
  oldestWaitingNowMs: number | null;
  /** p95 queue wait per UTC hour (24 entries), for the chart. */
  hourlyWaitP95Ms: Array<number | null>;
}

export interface JobTypeRow {
  jobType: string;
  lane: Lane | null;
  started: number;
  completed: number;
  failed: number;
  timedOut: number;
  terminated: number;
  cancelled: number;
  running: number;
  /** completed ÷ (completed + failed + timed out + terminated); null when none closed. */
  successRatio: number | null;
  topFailureReasons: Array<{ reason: string; count: number }>;
}

export interface FallbackSection {
  requests: number;
  requestsWithFallback: number;
  fallbackRate: number | null;
  reasons: Array<{ reason: string; count: number }>;
  localToCloud: number;
  localToCloudRate: number | null;
  cloudUses: Array<{ ts: string; workflowId: string; lane: Lane; taskClass: string; route: string; reason: string }>;
  cloudRefused: number;
}

export interface ModelRow {
  model: string;
  host: string;
  attempts: number;
  /** `ok` lines (a `duplicate` is an attempt but not counted here). */
  ok: number;
  /** Model errors: `error`, and `timeout` except a hung host's. */
  errors: number;
  /** Ended by a host outage, a lost worker or a cancellation (`host_down`, `worker_lost`, `cancelled`, hung-host `timeout`). */
  interrupted: number;
  preemptions: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  timeToFirstTokenP50Ms: number | null;
  timeToFirstTokenP95Ms: number | null;
  tokensPerSecondP50: number | null;
  outputTokens: number;
}

export interface ScheduleRowReport {
  id: string;
  workflow: string;
  paused: boolean;
  expected: number;
  taken: number;
  /** Expected firings with no run (the catch-up window passed, the schedule was paused, or the run was skipped). */
  notRun: number;
  notRunAt: string[];
  /** Runs at other times (triggered by hand, backfills). */
  extra: number;
  failed: number;
  lagP95Ms: number | null;
  missedCatchupWindowTotal: number;
  skippedOverlapTotal: number;
}

export interface SloReport {
  version: 1;
  date: string;
  generatedAt: string;
  window: { start: string; end: string; hoursCovered: number; complete: boolean; firstRecordAt: string | null; lastRecordAt: string | null };
  slos: SloRow[];
  lanePriorities: LanePriorityRow[];
  lanes: LaneRow[];
  jobTypes: JobTypeRow[];
  fallbacks: FallbackSection;
  models: ModelRow[];
  schedules: ScheduleRowReport[];
  approvals: { waiting: number; oldestAgeSeconds: number | null; items: Array<{ workflowId: string; jobType: string; ageSeconds: number }> };
  /** Known blind spots of this report, in words. */
  limits: string[];
  counts: DailySloCounts['counts'];
}
