import { ApplicationFailure } from '@temporalio/activity';
import { type OutboundMessage, type SendResult } from '../common/civic-activities';
import type { JsonLogger } from '../platform/logger';
import { checkOutbound, describeFindings } from '../common/outbound-guard';
import { publishToOutbox } from '../stores/outbox';
import { CIVIC_FAILURE } from '../common/failures';

/**
 * "Sending" external comms: the approved message is published to the file outbox
 * (stores/outbox.ts), once per workflow ID. The outbound guard runs here too: this is the last
 * point before the message leaves.
 */
export function createMessagingActivities(deps: { dataDir: string; logger: JsonLogger }) {
  return {
    async sendMessage(message: OutboundMessage): Promise<SendResult> {
      const verdict = checkOutbound(`${message.subject}\n${message.body}`);
      if (!verdict.allowed) {
        deps.logger.warn('outbound guard refused a message', { workflowId: message.workflowId, rules: verdict.findings.map((f) => f.rule) });
        throw ApplicationFailure.nonRetryable(`outbound guard refused the message: ${describeFindings(verdict)}`, CIVIC_FAILURE.outboundRefused);
      }
      if (!message.approval.by.trim()) {
        throw ApplicationFailure.nonRetryable('refusing to send without a named approver', CIVIC_FAILURE.outboundRefused);
      }
      const { messageId, outboxPath, alreadySent } = await publishToOutbox(deps.dataDir, message);
      if (alreadySent) {
        deps.logger.info('message already in the outbox; not sent again', { workflowId: message.workflowId, outboxPath });
        return { messageId, outboxPath, alreadySent: true };
      }
      deps.logger.info('message sent to the outbox', { workflowId: message.workflowId, channel: message.channel, recipients: message.recipients.length, approvedBy: message.approval.by, outboxPath });
      return { messageId, outboxPath, alreadySent: false };
    },
  };
}
