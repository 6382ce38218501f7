import type { ApproverConfig } from '../common/approvers';

/**
 * Who may approve each irreversible action (the `approval.action` of a workflow contract), by
 * identity: the approving client's identity (the OS user of the CLI, or CIVICOS_IDENTITY; in
 * production the mTLS certificate's subject). CIVICOS_APPROVERS (same shape, JSON) replaces this.
 * Data only; workers read it at start and hand it to a workflow through an activity.
 */
export const DEFAULT_APPROVERS = {
  'send-comms': ['ada.okafor', 'mara.lindqvist'],
} as const satisfies ApproverConfig;
