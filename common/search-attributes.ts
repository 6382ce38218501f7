import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { InferencePayload } from './contract';

/**
 * Custom search attributes every CivicOS run sets, so operators can filter in the Web UI.
 * `CivicPriority` is our lane priority (urgent … low); it is not Temporal's numeric priority key,
 * which the Web UI shows as "Priority" in a workflow's header.
 */
export const SA = {
  Lane: defineSearchAttributeKey('Lane', SearchAttributeType.KEYWORD),
  CivicPriority: defineSearchAttributeKey('CivicPriority', SearchAttributeType.KEYWORD),
  JobType: defineSearchAttributeKey('JobType', SearchAttributeType.KEYWORD),
  AgentId: defineSearchAttributeKey('AgentId', SearchAttributeType.KEYWORD),
  CallingSkill: defineSearchAttributeKey('CallingSkill', SearchAttributeType.KEYWORD),
  Model: defineSearchAttributeKey('Model', SearchAttributeType.KEYWORD),
  ExperimentTag: defineSearchAttributeKey('ExperimentTag', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);

/** One of our (keyword) attributes and its value. */
export interface SearchAttributeSetting {
  key: (typeof SA)[keyof typeof SA];
  value: string;
}

/** JobType of a queued inference request (what admission and `queue status` count). */
export const INFERENCE_REQUEST_JOB_TYPE = 'inference-request';

/** JobType of a schedule's `scheduledRun` launcher (not counted by admission: its business run is). */
export const SCHEDULED_RUN_JOB_TYPE = 'scheduled-run';

/** What an inference request carries for filters and counts; never prompt text. */
export function requestSearchAttributes(payload: Pick<InferencePayload, 'lane' | 'priority' | 'agent_id' | 'calling_skill' | 'model' | 'experiment_tag'>): SearchAttributeSetting[] {
  return [
    { key: SA.Lane, value: payload.lane },
    { key: SA.CivicPriority, value: payload.priority },
    { key: SA.JobType, value: INFERENCE_REQUEST_JOB_TYPE },
    { key: SA.AgentId, value: payload.agent_id },
    { key: SA.CallingSkill, value: payload.calling_skill },
    { key: SA.Model, value: payload.model },
    ...(payload.experiment_tag ? [{ key: SA.ExperimentTag, value: payload.experiment_tag }] : []),
  ];
}
