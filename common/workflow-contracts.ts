import { parseContract, type WorkflowContract, type WorkflowContractInput } from './reliability-contract';

/**
 * The registered CivicOS workflows and their reliability contracts, as data. Changing a value here
 * changes the running behaviour and fails `civicos kb check` until the KB artifact says the same.
 */
const PROD_RETRY = { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' } as const;
const PROD_IDEMPOTENCY = { reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', conflictPolicy: 'USE_EXISTING' } as const;

export const WORKFLOW_CONTRACTS = [
  {
    workflow: 'donor-digest',
    workflowType: 'donorDigest',
    summary: 'Weekly donor digest for the development team: new gifts, new and lapsing donors, notable pledges.',
    owner: 'Development team (Mara Lindqvist)',
    lane: 'prod',
    priority: 'high',
    agentId: 'civicos-donor-digest',
    callingSkill: 'donor-digest',
    taskClass: 'summary',
    model: 'local/qwen-14b',
    maxTokens: 600,
    idempotency: { key: 'donor-digest:{date}', ...PROD_IDEMPOTENCY },
    retry: PROD_RETRY,
    timeouts: { workflow: '1h', activity: '1m' },
    fallback: { model: 'local/mistral-small', final: 'template', description: 'Falls back to local/mistral-small, then to a data-only digest (tables, no prose) marked degraded.' },
    output: { dir: 'donor-digest' },
    kbArtifact: 'kb/donor-digest.md',
  },
  {
    workflow: 'grant-deadline-watch',
    workflowType: 'grantDeadlineWatch',
    summary: 'Daily watch of open grant applications: deadlines in the next 45 days, overdue ones, what is missing.',
    owner: 'Grants team (Tomás Reyes)',
    lane: 'prod',
    priority: 'high',
    agentId: 'civicos-grant-watch',
    callingSkill: 'grant-deadline-watch',
    taskClass: 'summary',
    model: 'local/qwen-14b',
    maxTokens: 500,
    idempotency: { key: 'grant-deadline-watch:{date}', ...PROD_IDEMPOTENCY },
    retry: PROD_RETRY,
    timeouts: { workflow: '1h', activity: '1m' },
    fallback: { model: 'local/mistral-small', final: 'template', description: 'Falls back to local/mistral-small, then to the deadline table without commentary, marked degraded.' },
    output: { dir: 'grant-deadline-watch' },
    kbArtifact: 'kb/grant-deadline-watch.md',
  },
  {
    workflow: 'comms-draft',
    workflowType: 'commsDraft',
    summary: 'Drafts a campaign message from a comms brief, waits for a human approval, then sends it through the outbox.',
    owner: 'Communications team (Ada Okafor)',
    lane: 'prod',
    priority: 'high',
    agentId: 'civicos-comms',
    callingSkill: 'comms-draft',
    taskClass: 'drafting',
    model: 'local/qwen-14b',
    maxTokens: 700,
    idempotency: { key: 'comms-draft:{campaignId}', ...PROD_IDEMPOTENCY },
    retry: PROD_RETRY,
    timeouts: { workflow: '26h', activity: '1m' },
    fallback: { model: 'local/mistral-small', final: 'fail', description: 'Falls back to local/mistral-small; with no model there is no draft, the run fails and alerts (nothing is sent).' },
    output: { dir: 'comms-draft' },
    kbArtifact: 'kb/comms-draft.md',
    approval: { action: 'send-comms', timeout: '24h' },
  },
  {
    workflow: 'ops-monitor',
    workflowType: 'opsMonitor',
    summary: "Daily review of the day's operations events: counts by service and severity, critical events alerted.",
    owner: 'Operations (Jonas Weber)',
    lane: 'prod',
    priority: 'urgent',
    agentId: 'civicos-ops-monitor',
    callingSkill: 'ops-monitor',
    taskClass: 'monitoring',
    model: 'local/qwen-14b',
    maxTokens: 400,
    idempotency: { key: 'ops-monitor:{date}', ...PROD_IDEMPOTENCY },
    retry: { maximumAttempts: 5, initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
    timeouts: { workflow: '30m', activity: '30s' },
    fallback: { model: 'local/mistral-small', final: 'template', description: 'Falls back to local/mistral-small, then to the event counts without commentary; critical events are alerted either way.' },
    output: { dir: 'ops-monitor' },
    kbArtifact: 'kb/ops-monitor.md',
  },
  {
    workflow: 'decision-brief',
    workflowType: 'decisionBrief',
    summary: 'A one-page brief for a pending leadership decision: the question, options with pros, cons and cost.',
    owner: 'Executive office (Priya Natarajan)',
    lane: 'prod',
    priority: 'high',
    agentId: 'civicos-decision-brief',
    callingSkill: 'decision-brief',
    taskClass: 'synthesis',
    model: 'local/qwen-14b',
    maxTokens: 900,
    idempotency: { key: 'decision-brief:{decisionId}', ...PROD_IDEMPOTENCY },
    retry: PROD_RETRY,
    timeouts: { workflow: '1h', activity: '1m' },
    fallback: { model: 'local/mistral-small', final: 'template', description: 'Falls back to local/mistral-small, then to the options table from the source data, marked degraded.' },
    output: { dir: 'decision-brief' },
    kbArtifact: 'kb/decision-brief.md',
  },
  {
    workflow: 'pilot-grant-summary',
    workflowType: 'pilotGrantSummary',
    summary: 'Pilot: structured (JSON) grant summaries from a local model, judged against success criteria.',
    owner: 'Platform team (Burt Prime)',
    lane: 'experimental',
    priority: 'normal',
    agentId: 'civicos-pilot',
    callingSkill: 'pilot-grant-summary',
    taskClass: 'structured_summary',
    model: 'local/qwen-14b',
    maxTokens: 400,
    idempotency: { key: 'pilot-grant-summary:{date}', reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', conflictPolicy: 'USE_EXISTING' },
    retry: { maximumAttempts: 2, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
    timeouts: { workflow: '2h', activity: '1m' },
    fallback: { final: 'fail', description: 'No fallback: an experimental failure is recorded in its output and history and never blocks lane A.' },
    output: { dir: 'pilot-grant-summary' },
    experiment: {
      tag: 'pilot-grant-json',
      successCriteria: 'Valid JSON with a non-empty summary on every run; model latency under 20 s; no truncation (done reason stop).',
    },
  },
] as const satisfies readonly WorkflowContractInput[];

export type WorkflowName = (typeof WORKFLOW_CONTRACTS)[number]['workflow'];
export const WORKFLOW_NAMES = WORKFLOW_CONTRACTS.map((c) => c.workflow) as WorkflowName[];

/** The validated contract of a registered workflow (deterministic: same data, same result). */
export function contractFor(workflow: WorkflowName): WorkflowContract {
  const input = WORKFLOW_CONTRACTS.find((c) => c.workflow === workflow);
  if (!input) throw new Error(`no reliability contract registered for workflow "${workflow}"`);
  return parseContract(input);
}

export function isWorkflowName(value: string): value is WorkflowName {
  return (WORKFLOW_NAMES as string[]).includes(value);
}
