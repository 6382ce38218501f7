import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes every CivicOS run sets, so operators can filter in the Web UI. */
export const SA = {
  Lane: defineSearchAttributeKey('Lane', SearchAttributeType.KEYWORD),
  Priority: defineSearchAttributeKey('Priority', SearchAttributeType.KEYWORD),
  JobType: defineSearchAttributeKey('JobType', SearchAttributeType.KEYWORD),
  AgentId: defineSearchAttributeKey('AgentId', SearchAttributeType.KEYWORD),
  CallingSkill: defineSearchAttributeKey('CallingSkill', SearchAttributeType.KEYWORD),
  Model: defineSearchAttributeKey('Model', SearchAttributeType.KEYWORD),
  ExperimentTag: defineSearchAttributeKey('ExperimentTag', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
