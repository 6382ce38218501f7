import { describe, expect, it } from 'vitest';
import * as workflows from '../workflows';
import { assertValidContracts, ContractError, contractFacts, parseContract, type WorkflowContractInput } from '../common/reliability-contract';
import { WORKFLOW_CONTRACTS, contractFor } from '../common/workflow-contracts';
import { validateWorkflowInput, workflowIdFor } from '../common/workflow-inputs';
import { SCHEDULES } from '../config/schedules';
import { ScheduleDefinitionError, validateSchedules } from '../common/schedule-definition';
import { createWorkflowWorker } from '../workers/workflow-worker';

const donorDigest = WORKFLOW_CONTRACTS[0] as WorkflowContractInput;
const broken = (patch: (c: Record<string, unknown>) => void): unknown => {
  const copy = structuredClone(donorDigest) as unknown as Record<string, unknown>;
  patch(copy);
  return copy;
};

function problemsOf(input: unknown): string[] {
  try {
    assertValidContracts([input]);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return (error as ContractError).problems;
  }
}

describe('workflow reliability contracts', () => {
  it('every registered contract is valid and names an exported workflow', () => {
    const contracts = assertValidContracts(WORKFLOW_CONTRACTS);
    expect(contracts.map((c) => c.workflow)).toEqual(['donor-digest', 'grant-deadline-watch', 'comms-draft', 'ops-monitor', 'decision-brief', 'pilot-grant-summary']);
    for (const contract of contracts) expect(typeof (workflows as Record<string, unknown>)[contract.workflowType], contract.workflowType).toBe('function');
    expect(contracts.filter((c) => c.lane === 'prod')).toHaveLength(5);
    expect(contracts.find((c) => c.lane === 'experimental')?.experiment?.tag).toBe('pilot-grant-json');
  });

  it.each([
    ['retry without a finite count', (c: Record<string, unknown>) => ((c.retry as Record<string, unknown>).maximumAttempts = undefined), /workflow "donor-digest": retry\.maximumAttempts: is required/],
    ['unbounded retries', (c: Record<string, unknown>) => ((c.retry as Record<string, unknown>).maximumAttempts = 1000), /retry\.maximumAttempts: must be at most 10/],
    ['a bad duration', (c: Record<string, unknown>) => ((c.timeouts as Record<string, unknown>).workflow = 'forever'), /timeouts\.workflow: must be a duration/],
    ['step timeout past the deadline', (c: Record<string, unknown>) => ((c.timeouts as Record<string, unknown>).activity = '2h'), /timeouts\.activity: must be shorter than timeouts\.workflow/],
    ['a prod workflow without KB artifact', (c: Record<string, unknown>) => delete c.kbArtifact, /kbArtifact: is required in lane prod/],
    ['a prod workflow without fallback', (c: Record<string, unknown>) => (c.fallback = { final: 'fail', description: 'nothing at all happens here' }), /fallback: lane prod must have a fallback/],
    ['a prod priority of normal', (c: Record<string, unknown>) => (c.priority = 'normal'), /priority: "normal" is not allowed in lane prod/],
    ['an experimental workflow without experiment', (c: Record<string, unknown>) => Object.assign(c, { lane: 'experimental', priority: 'normal', kbArtifact: undefined }), /experiment: is required in lane experimental/],
    ['a key for another workflow', (c: Record<string, unknown>) => ((c.idempotency as Record<string, unknown>).key = 'grant-deadline-watch:{date}'), /idempotency\.key: must start with "donor-digest:"/],
    ['an unknown reuse policy', (c: Record<string, unknown>) => ((c.idempotency as Record<string, unknown>).reusePolicy = 'ALLOW_DUPLICATE'), /idempotency\.reusePolicy: allowed/],
    ['an unknown field', (c: Record<string, unknown>) => (c.retries = 3), /retries: unknown field/],
  ])('refuses %s, naming the workflow and field', (_what, patch, message) => {
    expect(problemsOf(broken(patch)).join('\n')).toMatch(message);
  });

  it('refuses duplicates across contracts', () => {
    expect(() => assertValidContracts([donorDigest, donorDigest])).toThrow(/workflow "donor-digest": workflow: "donor-digest" is registered twice/);
  });

  it('the workflow worker refuses to start on a bad contract', async () => {
    const bad = broken((c) => ((c.retry as Record<string, unknown>).maximumAttempts = 0));
    // Validation happens before any connection is used.
    await expect(createWorkflowWorker({ connection: undefined as never, namespace: 'x', deps: undefined as never, dataConverter: undefined, contracts: [bad] })).rejects.toThrow(
      /workflow "donor-digest": retry\.maximumAttempts: must be at least 1/,
    );
  });

  it('business keys become workflow IDs; inputs are validated with field names', () => {
    expect(workflowIdFor(contractFor('donor-digest'), { date: '2026-11-24' })).toBe('donor-digest:2026-11-24');
    expect(workflowIdFor(contractFor('comms-draft'), { campaignId: 'giving-tuesday-2026' })).toBe('comms-draft:giving-tuesday-2026');
    expect(validateWorkflowInput('donor-digest', { date: '2026-02-30' })).toEqual({ ok: false, problems: ['date: must be a real calendar date'] });
    expect(validateWorkflowInput('donor-digest', { date: '2026-11-24', extra: 1 })).toMatchObject({ ok: false, problems: ['extra: unknown field'] });
    expect(validateWorkflowInput('comms-draft', { campaignId: 'x y' })).toMatchObject({ ok: false });
  });

  it('states its facts for the KB check', () => {
    expect(contractFacts(parseContract(donorDigest))).toMatchObject({ 'retry.maximumAttempts': '3', 'timeout.workflow': '1h', 'fallback.final': 'template', 'timeout.inference': '210s' });
    expect(contractFacts(contractFor('comms-draft'))).toMatchObject({ 'approval.required': 'yes', 'approval.timeout': '24h' });
  });
});

describe('schedule definitions', () => {
  it('the shipped schedules are valid', () => {
    expect(validateSchedules(SCHEDULES).map((s) => s.workflow)).toEqual(['donor-digest', 'grant-deadline-watch', 'ops-monitor', 'pilot-grant-summary']);
  });

  it.each([
    [{ workflow: 'comms-draft' }, /workflow: comms-draft is keyed by campaignId/],
    [{ workflow: 'nope' }, /workflow: must be a registered workflow/],
    [{ cron: 'every day' }, /cron: must be a five-field cron expression/],
    [{ timezone: 'Mars/Olympus' }, /timezone: must be an IANA time zone/],
    [{ pauseOnFailure: false }, /pauseOnFailure: must be true for a prod workflow/],
    [{ catchupWindow: '5s' }, /catchupWindow: must be at least 1m/],
  ])('refuses %j', (patch, message) => {
    const error = (() => {
      try {
        validateSchedules([{ ...SCHEDULES[0], ...patch }]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ScheduleDefinitionError);
    expect((error as Error).message).toMatch(message);
  });
});
