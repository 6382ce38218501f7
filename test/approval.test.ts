import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure, Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingActivities } from '../activities/messaging';
import { approvalStatus, decide } from '../client/approvals';
import { startCivicWorkflow } from '../client/civic-workflows';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startAlertReceiver } from './support/alert-receiver';
import { npxCivicos, runCliCaptured } from './support/cli';
import { startPlatform } from './support/platform';
import { connectTest, eventually, type TestTemporal } from './support/temporal';

let temporal: TestTemporal;
let sim: OllamaSimulator;
let platform: Awaited<ReturnType<typeof startPlatform>>;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;

/** The shipped briefs plus one campaign per test, as an operator's export in <data>/sources/. */
function writeBriefs(dataDir: string): void {
  const shipped = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'comms-briefs.json'), 'utf8')) as { campaigns: Array<Record<string, unknown>> };
  const base = shipped.campaigns[0]!;
  const extra = ['approve-case', 'reject-case', 'timeout-case', 'early-case', 'self-case', 'cli-case'].map((id) => ({ ...base, id, subject: `Spring appeal (${id})` }));
  fs.mkdirSync(path.join(dataDir, 'sources'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'sources', 'comms-briefs.json'), JSON.stringify({ campaigns: [...shipped.campaigns, ...extra] }));
}

/** The in-process CLI run as `identity` (CIVICOS_IDENTITY, read by each run's environment). */
async function cliAs(identity: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const before = process.env.CIVICOS_IDENTITY;
  process.env.CIVICOS_IDENTITY = identity;
  try {
    return await runCliCaptured(...args);
  } finally {
    if (before === undefined) delete process.env.CIVICOS_IDENTITY;
    else process.env.CIVICOS_IDENTITY = before;
  }
}
const cli = (...args: string[]) => cliAs('ada.okafor', ...args);

/** A client of the test server with its own identity (what the server records and the approval gate checks). */
function clientAs(identity: string): Client {
  return new Client({ connection: temporal.client.connection, namespace: temporal.namespace, identity, dataConverter: temporal.dataConverter });
}
const APPROVERS = { 'send-comms': ['ada.okafor', 'mara.lindqvist'] };

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-approval' });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = temporal.namespace;
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  receiver = await startAlertReceiver();
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url, CIVICOS_APPROVERS: JSON.stringify(APPROVERS) } });
  writeBriefs(platform.env.dataDir);
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await receiver?.close();
  await temporal?.close();
});

const outbox = (workflowId: string): string => path.join(platform.env.dataDir, 'outbox', 'email', `${workflowId}.json`);

/** A draft started by the comms bot's client (its identity is recorded as the drafter). */
async function startDraft(campaignId: string, approvalTimeout?: string, drafter = 'comms.bot') {
  return await startCivicWorkflow(clientAs(drafter), 'comms-draft', { campaignId, ...(approvalTimeout ? { approvalTimeout } : {}) });
}
const ada = () => clientAs('ada.okafor');

async function awaitingApproval(workflowId: string) {
  return await eventually(async () => {
    const status = await approvalStatus(temporal.client, workflowId);
    return status.state === 'pending' ? status : undefined;
  }, { what: `${workflowId} awaiting approval` });
}

describe('human approval before sending comms (real Temporal, simulated Ollama)', () => {
  it('approve: the CLI shows the draft, records who and why, and the message is sent once', async () => {
    const { workflowId, handle } = await startDraft('approve-case');
    expect(workflowId).toBe('comms-draft:approve-case');
    const pending = await awaitingApproval(workflowId);
    expect(pending.request.preview).toMatch(/^Subject: Spring appeal \(approve-case\)\nTo: list:active-donors, list:newsletter/);
    expect(fs.existsSync(outbox(workflowId))).toBe(false);

    const listed = await cli('approval', 'list');
    expect(listed.out).toContain(workflowId);
    const shown = await cli('approval', 'show', workflowId);
    expect(shown.out).toMatch(/AWAITING APPROVAL until \S+ \(send-comms; drafted by comms\.bot; approvers: ada\.okafor, mara\.lindqvist\)[\s\S]*With thanks,\nAda Okafor/);

    // --by cannot choose the name a decision is recorded under: only the client's own identity.
    const spoofed = await cli('approve', workflowId, '--by', 'Mara Lindqvist');
    expect(spoofed.code).toBe(2);
    expect(spoofed.out).toMatch(/--by "Mara Lindqvist" is not your identity "ada\.okafor"/);
    const approved = await cli('approve', workflowId, '--reason', 'figures checked with finance');
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.out).toMatch(/approved by ada\.okafor at .*: figures checked with finance/);

    const result = (await handle.result()) as { outcome: string; decision: { by: string; reason: string }; outboxPath: string };
    expect(result).toMatchObject({ outcome: 'sent', decision: { decision: 'approved', by: 'ada.okafor', reason: 'figures checked with finance' } });
    const sent = JSON.parse(fs.readFileSync(outbox(workflowId), 'utf8')) as { approval: { by: string }; subject: string };
    expect(sent).toMatchObject({ subject: 'Spring appeal (approve-case)', approval: { by: 'ada.okafor' } });

    // The decision is in the history, with who and why: encrypted, and sent by the client whose identity it names.
    const history = await handle.fetchHistory();
    const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted).toHaveLength(1);
    const request = accepted[0]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!;
    expect(request.input?.name).toBe('approve');
    expect(request.meta?.identity).toBe('ada.okafor');
    const stored = request.input!.args!.payloads![0]!;
    expect(Buffer.from(stored.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(stored.data!).toString('latin1')).not.toContain('figures checked');
    const [plain] = await temporal.dataConverter.payloadCodecs![0]!.decode([stored]);
    expect(JSON.parse(Buffer.from(plain!.data!).toString())).toEqual({ by: 'ada.okafor', reason: 'figures checked with finance' });

    // A second decision is refused (the run is closed), and nothing is sent twice.
    const again = await cliAs('mara.lindqvist', 'approve', workflowId);
    expect(again.code).toBe(2);
    expect(fs.readdirSync(path.dirname(outbox(workflowId))).filter((f) => f.startsWith(workflowId))).toHaveLength(1);
  });

  it('reject: a reason is required, nothing is sent, the decision is recorded', async () => {
    const { workflowId, handle } = await startDraft('reject-case');
    await awaitingApproval(workflowId);
    expect((await cli('reject', workflowId)).code).toBe(2); // --reason is required
    await expect(decide(ada(), workflowId, 'reject', { reason: '  ' })).rejects.toThrow(/reason: a rejection must say why/);
    await expect(decide(clientAs('eve.intruder'), workflowId, 'reject', { reason: 'no' })).rejects.toThrow(/eve\.intruder is not an approver for send-comms/);
    const rejected = await cli('reject', workflowId, '--by', 'ada.okafor', '--reason', 'wrong matching amount');
    expect(rejected.code).toBe(0);
    await expect(decide(clientAs('mara.lindqvist'), workflowId, 'approve', { reason: 'ok' })).rejects.toThrow(/already rejected by ada\.okafor: wrong matching amount/);
    const result = (await handle.result()) as { outcome: string; outboxPath: string | null };
    expect(result).toMatchObject({ outcome: 'rejected', outboxPath: null, decision: { decision: 'rejected', by: 'ada.okafor', reason: 'wrong matching amount' } });
    expect(fs.existsSync(outbox(workflowId))).toBe(false);
    const output = fs.readFileSync(path.join(platform.env.dataDir, 'outputs', (result as unknown as { markdownPath: string }).markdownPath), 'utf8');
    expect(output).toMatch(/\*\*rejected\*\* by ada\.okafor at .*: wrong matching amount \(drafted by comms\.bot\)/);
  });

  it('a decision before the draft exists is refused with the reason', async () => {
    sim.setOptions({ ttftMs: 1500, tokensPerSecond: 1000 });
    try {
      const { workflowId, handle } = await startDraft('early-case');
      await eventually(() => sim.stats().active > 0, { what: 'drafting under way' });
      await expect(decide(ada(), workflowId, 'approve', { reason: 'eager' })).rejects.toThrow(/not awaiting approval yet/);
      await awaitingApproval(workflowId);
      await decide(ada(), workflowId, 'reject', { reason: 'test over' });
      expect(((await handle.result()) as { outcome: string }).outcome).toBe('rejected');
    } finally {
      sim.setOptions({ ttftMs: 5, tokensPerSecond: 0 });
    }
  });

  it('timeout: the wait ends, nothing is sent, an alert says so', async () => {
    const { workflowId, handle } = await startDraft('timeout-case', '2s');
    const result = (await handle.result()) as { outcome: string; decision: unknown };
    expect(result).toMatchObject({ outcome: 'expired', decision: null });
    expect(fs.existsSync(outbox(workflowId))).toBe(false);
    const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'approval_timed_out' && a.subject === workflowId), { what: 'timeout alert' });
    expect(alert.message).toMatch(/no approve\/reject within 2s; the email message was not sent/);
    await expect(decide(ada(), workflowId, 'approve', { reason: 'late' })).rejects.toThrow(/no running workflow|refused/);
  });

  it('approvers come from configuration: the drafter cannot approve their own draft, nor can anyone unlisted', async () => {
    // Ada is a listed approver, but she started this run: her approval is self-approval.
    const { workflowId, handle } = await startDraft('self-case', undefined, 'ada.okafor');
    const pending = await awaitingApproval(workflowId);
    expect(pending.request).toMatchObject({ draftedBy: 'ada.okafor', approvers: APPROVERS['send-comms'] });
    await expect(decide(ada(), workflowId, 'approve', { reason: 'looks good to me' })).rejects.toThrow(
      /by: ada\.okafor drafted this run and cannot approve their own draft; another approver for send-comms must \(ada\.okafor, mara\.lindqvist\)/,
    );
    // Identities compare case-insensitively: a different spelling is the same person.
    await expect(decide(clientAs('Ada.Okafor'), workflowId, 'approve', { reason: 'again' })).rejects.toThrow(/cannot approve their own draft/);
    await expect(decide(clientAs('eve.intruder'), workflowId, 'approve', { reason: 'ship it' })).rejects.toThrow(
      /by: eve\.intruder is not an approver for send-comms \(approvers: ada\.okafor, mara\.lindqvist; configured in config\/approvers\.ts or CIVICOS_APPROVERS\)/,
    );
    expect((await approvalStatus(temporal.client, workflowId)).state).toBe('pending');
    const made = await decide(clientAs('mara.lindqvist'), workflowId, 'approve', { reason: 'second pair of eyes' });
    expect(made).toMatchObject({ decision: 'approved', by: 'mara.lindqvist', reason: 'second pair of eyes' });
    const result = (await handle.result()) as { outcome: string };
    expect(result).toMatchObject({ outcome: 'sent', decision: { by: 'mara.lindqvist' } });
    // Refused decisions leave no trace: exactly one accepted update, Mara's.
    const accepted = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.meta!.identity)).toEqual(['mara.lindqvist']);
  });

  it('through the real binary: the drafter is the CLI identity; self-approval and unlisted approvers exit 2 with the reason', { timeout: 180_000 }, async () => {
    const as = (identity: string) => ({ env: { CIVICOS_IDENTITY: identity, CIVICOS_DATA_DIR: platform.env.dataDir }, timeoutMs: 90_000 });
    const started = await npxCivicos(['run', 'comms-draft', '--campaign', 'cli-case'], as('ada.okafor'));
    expect(started.code, started.stderr).toBe(0);
    const workflowId = 'comms-draft:cli-case';
    expect((await awaitingApproval(workflowId)).request.draftedBy).toBe('ada.okafor');

    const self = await npxCivicos(['approve', workflowId, '--reason', 'mine'], as('ada.okafor'));
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/refused the approve: by: ada\.okafor drafted this run and cannot approve their own draft/);
    const unlisted = await npxCivicos(['approve', workflowId], as('eve.intruder'));
    expect(unlisted.code).toBe(2);
    expect(unlisted.stderr).toMatch(/refused the approve: by: eve\.intruder is not an approver for send-comms/);
    const listed = await npxCivicos(['approve', workflowId, '--reason', 'checked'], as('mara.lindqvist'));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/approved by mara\.lindqvist at .*: checked/);
    expect(await temporal.client.workflow.getHandle(workflowId).result()).toMatchObject({ outcome: 'sent', decision: { by: 'mara.lindqvist' } });
  });

  it('the outbound guard refuses a draft that discloses a security finding, before anyone is asked', async () => {
    const { workflowId, handle } = await startDraft('website-fix-notice');
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    let cause: unknown = error;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
    expect(cause).toMatchObject({ type: 'OutboundGuardRefused', nonRetryable: true });
    expect((cause as Error).message).toMatch(/exploit_detail \("We fixed the SQL injection/);
    expect((await approvalStatus(temporal.client, workflowId)).state).toBe('not-requested');
    const alert = await eventually(() => receiver.alerts.find((a) => a.kind === 'workflow_failed' && a.subject === workflowId), { what: 'guard alert' });
    expect(alert.details).toMatchObject({ errorType: 'OutboundGuardRefused' });
  });
});

describe('the messaging activity', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-outbox-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { sendMessage } = createMessagingActivities({ dataDir, logger: logger() });
  const message = {
    workflowId: 'comms-draft:unit',
    campaignId: 'unit',
    channel: 'email' as const,
    recipients: ['list:test'],
    subject: 'Hello',
    body: 'Thank you for your support.',
    approval: { by: 'Ada Okafor', reason: 'ok', at: '2026-11-24T10:00:00.000Z' },
  };

  it('publishes one message per workflow ID, even when retried', async () => {
    const first = await sendMessage(message);
    const retry = await sendMessage(message);
    expect(first.alreadySent).toBe(false);
    expect(retry).toEqual({ ...first, alreadySent: true });
    expect(fs.readdirSync(path.join(dataDir, 'outbox', 'email'))).toEqual(['comms-draft:unit.json']);
  });

  it('checks the guard again right before sending', async () => {
    await expect(sendMessage({ ...message, workflowId: 'comms-draft:unit-2', body: 'Details of the exploit are at https://civicos.example/admin/debug' })).rejects.toMatchObject({
      type: 'OutboundGuardRefused',
      nonRetryable: true,
    });
    await expect(sendMessage({ ...message, workflowId: 'comms-draft:unit-3', approval: { ...message.approval, by: ' ' } })).rejects.toThrow(/named approver/);
    expect(fs.readdirSync(path.join(dataDir, 'outbox', 'email'))).toEqual(['comms-draft:unit.json']);
  });
});
