import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutboundMessage } from '../common/civic-activities';
import { tempPathFor } from './files';
import { outputFileStem } from './outputs';

/**
 * The file outbox, `<data>/outbox/<channel>/<workflowId>.json`, which the mail/newsletter relay
 * picks up. One message per workflow ID, published with an exclusive link, so a retried activity
 * never sends twice.
 */
export async function publishToOutbox(dataDir: string, message: OutboundMessage): Promise<{ messageId: string; outboxPath: string; alreadySent: boolean }> {
  const dir = path.join(dataDir, 'outbox', message.channel);
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${outputFileStem(message.workflowId)}.json`);
  const outboxPath = path.relative(dataDir, file);
  const messageId = `msg-${createHash('sha256').update(message.workflowId).digest('hex').slice(0, 16)}`;
  const temp = tempPathFor(file);
  await fs.promises.writeFile(temp, `${JSON.stringify({ messageId, ...message }, null, 2)}\n`, { flag: 'wx' });
  try {
    await fs.promises.link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { messageId, outboxPath, alreadySent: true };
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
  return { messageId, outboxPath, alreadySent: false };
}
