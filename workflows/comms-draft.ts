import { ApplicationFailure } from '@temporalio/workflow';
import { CIVIC_FAILURE } from '../common/failures';
import { durationMs } from '../common/duration';
import { checkOutbound, describeFindings } from '../common/outbound-guard';
import { installApprovalGate, type ApprovalDecision } from './approval';
import { runCivicWorkflow } from './civic-run';
import { generatedBy, provenance } from './report-format';

export type CommsOutcome = 'sent' | 'rejected' | 'expired';

export interface CommsDraftResult {
  workflowId: string;
  campaignId: string;
  outcome: CommsOutcome;
  decision: ApprovalDecision | null;
  outboxPath: string | null;
  markdownPath: string;
}

/**
 * Drafts a campaign message from its brief, checks it with the outbound guard, waits for a
 * human `approve`/`reject` (Update), and only then sends it. No decision within the approval
 * window: nothing is sent, an alert says so. Business key: the campaign id.
 */
export async function commsDraft(input: { campaignId: string; approvalTimeout?: string }): Promise<CommsDraftResult> {
  // Handlers first: a decision that arrives while drafting is refused with a clear reason.
  const gate = installApprovalGate();
  return await runCivicWorkflow('comms-draft', input, async (run) => {
    const { campaigns } = await run.loadSource('comms-briefs');
    const campaign = campaigns.find((c) => c.id === run.input.campaignId);
    if (!campaign) {
      throw ApplicationFailure.create({
        type: CIVIC_FAILURE.unknownRecord,
        message: `no campaign "${run.input.campaignId}" in the comms-briefs source; known: ${campaigns.map((c) => c.id).join(', ')}`,
        nonRetryable: true,
      });
    }
    const reply = await run.generate({
      system: `You draft ${campaign.channel} messages for CivicOS, a civic nonprofit. Warm, plain, under 180 words, no subject line, no sign-off. Never mention security issues, vulnerabilities or internal systems.`,
      user: [`Audience: ${campaign.audience}`, `Subject: ${campaign.subject}`, 'Key points:', ...campaign.keyPoints.map((p) => `- ${p}`)].join('\n'),
      template: () => '',
    });
    const body = `${reply.text.trim()}\n\n${campaign.signOff}`;
    const verdict = checkOutbound(`${campaign.subject}\n${body}`);
    if (!verdict.allowed) {
      throw ApplicationFailure.create({
        type: CIVIC_FAILURE.outboundRefused,
        message: `outbound guard refused the draft for ${campaign.id}: ${describeFindings(verdict)}`,
        nonRetryable: true,
        details: [verdict.findings.map((f) => f.rule)],
      });
    }

    const contractTimeout = durationMs(run.contract.approval!.timeout);
    const timeoutMs = Math.min(contractTimeout, run.input.approvalTimeout ? durationMs(run.input.approvalTimeout) : contractTimeout);
    const recipients = campaign.recipients.join(', ');
    const action = run.contract.approval!.action;
    const outcome = await gate.request(
      {
        action,
        draftedBy: run.input.requestedBy ?? null,
        approvers: await run.approversFor(action),
        summary: `${campaign.channel} to ${recipients}: "${campaign.subject}"`,
        preview: `Subject: ${campaign.subject}\nTo: ${recipients}\n\n${body}`,
      },
      timeoutMs,
    );

    let result: CommsOutcome;
    let outboxPath: string | null = null;
    const decision = outcome.kind === 'decided' ? outcome.decision : null;
    if (decision?.decision === 'approved') {
      const sent = await run.sendMessage({
        workflowId: run.workflowId,
        campaignId: campaign.id,
        channel: campaign.channel,
        recipients: campaign.recipients,
        subject: campaign.subject,
        body,
        approval: { by: decision.by, reason: decision.reason, at: decision.at },
      });
      outboxPath = sent.outboxPath;
      result = 'sent';
    } else if (decision) {
      result = 'rejected';
    } else {
      result = 'expired';
      await run.alert({
        kind: 'approval_timed_out',
        severity: 'warning',
        message: `${run.workflowId}: no approve/reject within ${Math.round(timeoutMs / 1000)}s; the ${campaign.channel} message was not sent`,
        details: { campaignId: campaign.id, action: run.contract.approval!.action },
      });
    }

    const drafter = run.input.requestedBy ? ` (drafted by ${run.input.requestedBy})` : '';
    const decisionLine = decision
      ? `**${decision.decision}** by ${decision.by} at ${decision.at}: ${decision.reason}${drafter}`
      : `**expired**: no decision within ${Math.round(timeoutMs / 1000)}s; nothing was sent`;
    const markdown = [
      `# Comms draft: ${campaign.subject}`,
      '',
      `Channel ${campaign.channel} · audience ${campaign.audience} · to ${recipients}`,
      '',
      '## Message',
      '',
      body,
      '',
      '## Approval',
      '',
      decisionLine,
      ...(outboxPath ? ['', `Sent to the outbox: \`${outboxPath}\``] : []),
      '',
      provenance(run.workflowId, reply, run.contract.lane),
    ].join('\n');
    const written = await run.writeOutput(markdown, {
      campaignId: campaign.id,
      channel: campaign.channel,
      recipients: campaign.recipients,
      subject: campaign.subject,
      body,
      outcome: result,
      decision,
      draftedBy: run.input.requestedBy ?? null,
      outboxPath,
      generatedBy: generatedBy(reply),
    });
    return { workflowId: run.workflowId, campaignId: campaign.id, outcome: result, decision, outboxPath, markdownPath: written.markdownPath };
  });
}
