import type { z } from 'zod';
import { zod } from './zod';
import { lazily } from './lazy';

/**
 * Who may decide an irreversible action, per action name (`send-comms`, …): an allow-list of
 * identities, as configuration (config/approvers.ts, or CIVICOS_APPROVERS). Pure, so the workflow's
 * update validator applies the same rule the client and the outbox check.
 */
export const approverIdentity = lazily('approver identity', () =>
  zod()
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,63}$/, 'an identity is 1-64 letters, digits, space, dot, dash, underscore, @ or +'),
);

const ACTION_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const approversSchema = lazily('approvers', () =>
  zod()
    .record(zod().string(), zod().array(approverIdentity()).min(1, 'list at least one approver (nobody could decide otherwise)'))
    .superRefine((config, ctx) => {
      // Checked here rather than as the record's key schema, so the message says what an action name is.
      for (const action of Object.keys(config)) {
        if (!ACTION_NAME.test(action)) ctx.addIssue({ code: 'custom', path: [action], message: 'action names are lower-case letters, digits and dashes' });
      }
    }),
);

export type ApproverConfig = z.infer<ReturnType<typeof approversSchema>>;

/** Identities compare trimmed and case-insensitively (`Ada.Okafor` is `ada.okafor`). */
export function sameIdentity(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Why `by` may not make this decision, or `undefined` when it may: approving needs a listed
 * approver who did not draft it; rejecting needs a listed approver or the drafter (who withdraws
 * the draft; nothing is sent either way).
 */
export function approvalRefusal(rule: { action: string; approvers: readonly string[]; draftedBy: string | null }, decision: 'approve' | 'reject', by: string): string | undefined {
  const isDrafter = rule.draftedBy !== null && sameIdentity(by, rule.draftedBy);
  const listed = rule.approvers.some((approver) => sameIdentity(approver, by));
  if (decision === 'approve' && isDrafter) {
    return `by: ${by} drafted this run and cannot approve their own draft; another approver for ${rule.action} must (${rule.approvers.join(', ')})`;
  }
  if (!listed && !(decision === 'reject' && isDrafter)) {
    return `by: ${by} is not an approver for ${rule.action} (approvers: ${rule.approvers.join(', ')}; configured in config/approvers.ts or CIVICOS_APPROVERS)`;
  }
  return undefined;
}
