import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingActivities } from '../activities/messaging';
import { approvalStatus, decide } from '../client/approvals';
import { startCivicWorkflow } from '../client/civic-workflows';
import { logger } from '../platform/logger';
import { startOllamaSimulator, type OllamaSimulator } from '../deploy/dev/ollama-simulator';
import { startAlertReceiver } from './support/alert-receiver';
import { runCliCaptured } from './support/cli';
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
  const extra = ['approve-case', 'reject-case', 'timeout-case', 'early-case'].map((id) => ({ ...base, id, subject: `Spring appeal (${id})` }));
  fs.mkdirSync(path.join(dataDir, 'sources'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'sources', 'comms-briefs.json'), JSON.stringify({ campaigns: [...shipped.campaigns, ...extra] }));
}

const cli = runCliCaptured;

beforeAll(async () => {
  temporal = await connectTest({ namespace: 'test-approval' });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  process.env.TEMPORAL_NAMESPACE = temporal.namespace;
  sim = await startOllamaSimulator({ parallel: 2, ttftMs: 5, tokensPerSecond: 0 });
  receiver = await startAlertReceiver();
  platform = await startPlatform(temporal, [{ name: 'sim-a', url: sim.url, slots: 2, simulated: true }], { envOverrides: { CIVICOS_ALERT_WEBHOOK: receiver.url } });
  writeBriefs(platform.env.dataDir);
});
afterAll(async () => {
  await platform?.stop();
  await sim?.close();
  await receiver?.close();
  await temporal?.close();
});

const outbox = (workflowId: string): string => path.join(platform.env.dataDir, 'outbox', 'email', `${workflowId}.json`);

async function startDraft(campaignId: string, approvalTimeout?: string) {
  const start = await startCivicWorkflow(temporal.client, 'comms-draft', { campaignId, ...(approvalTimeout ? { approvalTimeout } : {}) });
  return start;
}

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
    expect(shown.out).toMatch(/AWAITING APPROVAL[\s\S]*With thanks,\nAda Okafor/);

    expect((await cli('approve', workflowId, '--by', '  ')).code).toBe(2);
    const approved = await cli('approve', workflowId, '--by', 'Ada Okafor', '--reason', 'figures checked with finance');
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.out).toMatch(/approved by Ada Okafor at .*: figures checked with finance/);

    const result = (await handle.result()) as { outcome: string; decision: { by: string; reason: string }; outboxPath: string };
    expect(result).toMatchObject({ outcome: 'sent', decision: { decision: 'approved', by: 'Ada Okafor', reason: 'figures checked with finance' } });
    const sent = JSON.parse(fs.readFileSync(outbox(workflowId), 'utf8')) as { approval: { by: string }; subject: string };
    expect(sent).toMatchObject({ subject: 'Spring appeal (approve-case)', approval: { by: 'Ada Okafor' } });

    // The decision is in the history, with who and why.
    const history = await handle.fetchHistory();
    const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted).toHaveLength(1);
    const request = accepted[0]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!;
    expect(request.input?.name).toBe('approve');
    expect(JSON.parse(Buffer.from(request.input!.args!.payloads![0]!.data!).toString())).toEqual({ by: 'Ada Okafor', reason: 'figures checked with finance' });

    // A second decision is refused (the run is closed), and nothing is sent twice.
    const again = await cli('approve', workflowId, '--by', 'Mara Lindqvist');
    expect(again.code).toBe(2);
    expect(fs.readdirSync(path.dirname(outbox(workflowId))).filter((f) => f.startsWith(workflowId))).toHaveLength(1);
  });

  it('reject: a reason is required, nothing is sent, the decision is recorded', async () => {
    const { workflowId, handle } = await startDraft('reject-case');
    await awaitingApproval(workflowId);
    expect((await cli('reject', workflowId, '--by', 'Ada Okafor')).code).toBe(2); // --reason is required
    await expect(decide(temporal.client, workflowId, 'reject', { by: 'Ada Okafor', reason: '  ' })).rejects.toThrow(/reason: a rejection must say why/);
    const rejected = await cli('reject', workflowId, '--by', 'Ada Okafor', '--reason', 'wrong matching amount');
    expect(rejected.code).toBe(0);
    await expect(decide(temporal.client, workflowId, 'approve', { by: 'Someone Else', reason: 'ok' })).rejects.toThrow(/already rejected by Ada Okafor: wrong matching amount/);
    const result = (await handle.result()) as { outcome: string; outboxPath: string | null };
    expect(result).toMatchObject({ outcome: 'rejected', outboxPath: null, decision: { decision: 'rejected', by: 'Ada Okafor', reason: 'wrong matching amount' } });
    expect(fs.existsSync(outbox(workflowId))).toBe(false);
    const output = fs.readFileSync(path.join(platform.env.dataDir, 'outputs', (result as unknown as { markdownPath: string }).markdownPath), 'utf8');
    expect(output).toMatch(/\*\*rejected\*\* by Ada Okafor at .*: wrong matching amount/);
  });

  it('a decision before the draft exists is refused with the reason', async () => {
    sim.setOptions({ ttftMs: 1500, tokensPerSecond: 1000 });
    try {
      const { workflowId, handle } = await startDraft('early-case');
      await eventually(() => sim.stats().active > 0, { what: 'drafting under way' });
      await expect(decide(temporal.client, workflowId, 'approve', { by: 'Ada Okafor', reason: 'eager' })).rejects.toThrow(/not awaiting approval yet/);
      await awaitingApproval(workflowId);
      await decide(temporal.client, workflowId, 'reject', { by: 'Ada Okafor', reason: 'test over' });
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
    await expect(decide(temporal.client, workflowId, 'approve', { by: 'Ada Okafor', reason: 'late' })).rejects.toThrow(/no running workflow|refused/);
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
