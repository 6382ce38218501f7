/** Lanes of the Workflow v2 standard and how they map onto Temporal task queues and priority keys. */
export const LANES = ['prod', 'experimental'] as const;
export type Lane = (typeof LANES)[number];

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Temporal priority keys: lower runs first. */
export const PRIORITY_KEY: Record<Priority, number> = { urgent: 1, high: 2, normal: 3, low: 4 };

export const LANE_PRIORITIES: Record<Lane, readonly Priority[]> = {
  prod: ['urgent', 'high'],
  experimental: ['normal', 'low'],
};

/** Task queue of the CivicOS workflows themselves (not inference). */
export const WORKFLOW_TASK_QUEUE = 'civicos';

export function laneQueue(lane: Lane): string {
  return lane === 'prod' ? 'civicos-inference-prod' : 'civicos-inference-experimental';
}

/**
 * Task queue of an OpenAI-compatible provider (cloud, local pilot) on a lane: it pauses and
 * resumes with the lane, and its worker limits how many calls the provider gets at once.
 */
export function providerQueue(provider: string, lane: Lane): string {
  return `civicos-provider-${provider}-${lane}`;
}
