import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { type OutboundMessage, type SendResult } from '../common/civic-activities';
import type { JsonLogger } from '../platform/logger';
import { checkOutbound, describeFindings } from '../common/outbound-guard';
import { outputFileStem } from './outputs';
import { CIVIC_FAILURE } from '../common/failures';

/**
 * "Sending" external comms: the approved message is published to a file outbox,
 * `<data>/outbox/<channel>/<workflowId>.json`, which the mail/newsletter relay picks up. One
 * message per workflow ID, published with an exclusive link, so a retried activity never sends
 * twice. The outbound guard runs here too: this is the last point before the message leaves.
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
      const dir = path.join(deps.dataDir, 'outbox', message.channel);
      await fs.promises.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${outputFileStem(message.workflowId)}.json`);
      const outboxPath = path.relative(deps.dataDir, file);
      const messageId = `msg-${createHash('sha256').update(message.workflowId).digest('hex').slice(0, 16)}`;
      const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      await fs.promises.writeFile(temp, `${JSON.stringify({ messageId, ...message }, null, 2)}\n`, { flag: 'wx' });
      try {
        await fs.promises.link(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        deps.logger.info('message already in the outbox; not sent again', { workflowId: message.workflowId, outboxPath });
        return { messageId, outboxPath, alreadySent: true };
      } finally {
        await fs.promises.rm(temp, { force: true });
      }
      deps.logger.info('message sent to the outbox', { workflowId: message.workflowId, channel: message.channel, recipients: message.recipients.length, approvedBy: message.approval.by, outboxPath });
      return { messageId, outboxPath, alreadySent: false };
    },
  };
}
