import type { Lane } from './lanes';
import type { SourceData, SourceName } from './source-data';

/** Activity interfaces the CivicOS workflows call (workflow task queue); workflows import these types only. */

export interface WriteOutputInput {
  workflow: string;
  /** Output folder of the contract (`<data>/outputs/<dir>`). */
  dir: string;
  workflowId: string;
  /** The business date of the run: the folder under `<dir>/`. */
  date: string;
  markdown: string;
  /** Written as JSON, pretty-printed; must be deterministic for a rerun to change nothing. */
  data: Record<string, unknown>;
}

export interface WriteOutputResult {
  /** Paths relative to `<data>/outputs`. */
  markdownPath: string;
  jsonPath: string;
  latestPath: string;
  /** True when both files already held exactly this content (a rerun). */
  unchanged: boolean;
  /** False when `latest` already pointed at a newer run. */
  latestUpdated: boolean;
}

export interface OutboundMessage {
  workflowId: string;
  campaignId: string;
  channel: 'email' | 'newsletter' | 'social';
  recipients: string[];
  subject: string;
  body: string;
  approval: { by: string; reason: string; at: string };
}

export interface SendResult {
  messageId: string;
  /** Relative to `<data>`. */
  outboxPath: string;
  /** True when this workflow's message was already in the outbox (a retry): nothing sent twice. */
  alreadySent: boolean;
}

export interface WorkflowAlert {
  kind: string;
  severity: 'critical' | 'warning';
  lane?: Lane;
  subject: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface CivicActivities {
  /** Loads, validates and redacts one data source. */
  loadSource<N extends SourceName>(name: N): Promise<SourceData[N]>;
  writeOutput(input: WriteOutputInput): Promise<WriteOutputResult>;
  sendMessage(message: OutboundMessage): Promise<SendResult>;
  raiseAlert(alert: WorkflowAlert): Promise<void>;
  /** The configured approvers of an action (config/approvers.ts, CIVICOS_APPROVERS). */
  approversFor(action: string): Promise<string[]>;
}
