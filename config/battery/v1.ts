import type { BatteryInput } from '../../common/promotion/battery';

const clarity = { id: 'clarity', weight: 1, description: 'plain, well-organised language a busy staff member understands at once' };
const accuracy = { id: 'accuracy', weight: 3, description: 'every figure, name and date matches the prompt; nothing invented' };
const completeness = { id: 'completeness', weight: 2, description: 'covers everything the prompt asks for' };
const actionable = { id: 'actionability', weight: 2, description: 'ends in concrete next steps with owners or dates' };

/**
 * Battery v1 of the promotion gate (12 tasks, 3 per category). A changed task is a new version:
 * results of different versions are never compared, and the gate's workflow ID carries the version.
 */
export const BATTERY_V1: BatteryInput = {
  id: 'civicos-core',
  version: 1,
  description: 'CivicOS core battery: short answers, syntheses, plans and the workflows\' own outputs (grants, comms, ops).',
  tasks: [
    {
      id: 'short-deadline-answer',
      category: 'short-response',
      system_prompt: 'Answer in one sentence.',
      user_prompt: 'The Riverside Foundation grant report is due on 12 December 2026. When is the Riverside Foundation report due?',
      max_tokens: 48,
      checks: { requiredFacts: ['12 December'], minWords: 3, maxWords: 40 },
      rubric: [accuracy, clarity],
    },
    {
      id: 'short-volunteer-reply',
      category: 'short-response',
      system_prompt: 'You answer volunteers briefly and warmly.',
      user_prompt: 'A volunteer asks where Saturday\'s food drive meets. It meets at 9:00 at the Elm Street community hall. Reply in at most two sentences.',
      max_tokens: 64,
      checks: { requiredFacts: ['9:00', 'Elm Street'], minWords: 5, maxWords: 60 },
      rubric: [accuracy, clarity, { id: 'tone', weight: 1, description: 'warm and grateful to the volunteer' }],
    },
    {
      id: 'short-classify-ticket',
      category: 'short-response',
      system_prompt: 'Classify support tickets. Reply with JSON only.',
      user_prompt: 'Ticket: "The donation page times out when I pay by card." Give {"category": one of "payments"|"website"|"account", "urgent": true|false}.',
      max_tokens: 48,
      format: 'json',
      checks: { requiredFacts: ['payments'], jsonSchema: { type: 'object', required: ['category', 'urgent'], properties: { category: { type: 'string' }, urgent: { type: 'boolean' } } } },
      rubric: [accuracy, { id: 'format', weight: 1, description: 'exactly the JSON asked for, nothing else' }],
    },
    {
      id: 'medium-donor-synthesis',
      category: 'medium-synthesis',
      system_prompt: 'Summarise for the development director in one short paragraph.',
      user_prompt: 'This week: 42 gifts totalling $18,300; 9 first-time donors; the largest gift was $5,000 from the Chen Family Trust; 3 monthly donors lapsed. Summarise the week.',
      max_tokens: 160,
      checks: { requiredFacts: ['42', '18,300', 'Chen Family Trust'], minWords: 25, maxWords: 140 },
      rubric: [accuracy, completeness, clarity],
    },
    {
      id: 'medium-meeting-notes',
      category: 'medium-synthesis',
      system_prompt: 'Turn meeting notes into a short summary with decisions and owners.',
      user_prompt: 'Notes: board agreed to move the gala to 14 March; Priya owns the venue contract; budget capped at $25,000; Marcus to draft sponsor letters by Friday.',
      max_tokens: 160,
      checks: { requiredFacts: ['14 March', 'Priya', 'Marcus', '25,000'], minWords: 20, maxWords: 140 },
      rubric: [accuracy, completeness, actionable],
    },
    {
      id: 'medium-survey-themes',
      category: 'medium-synthesis',
      system_prompt: 'Synthesise survey feedback into themes.',
      user_prompt: 'Survey comments: "pickup hours too short" (12 people), "friendly staff" (20 people), "need Spanish signage" (7 people). Name the three themes with their counts.',
      max_tokens: 160,
      checks: { requiredFacts: ['12', '20', '7', 'Spanish'], minWords: 15, maxWords: 140 },
      rubric: [accuracy, completeness, clarity],
    },
    {
      id: 'long-campaign-plan',
      category: 'long-planning',
      system_prompt: 'You plan nonprofit campaigns as numbered steps.',
      user_prompt: 'Plan a 4-week Giving Tuesday campaign with a $40,000 goal and two staff (Ada, Tomas). Give weekly steps with an owner each, and one risk.',
      max_tokens: 320,
      checks: { requiredFacts: ['40,000', 'Ada', 'Tomas', 'risk'], minWords: 60, maxWords: 320 },
      rubric: [completeness, actionable, accuracy, { id: 'feasibility', weight: 2, description: 'realistic for two staff in four weeks' }],
    },
    {
      id: 'long-volunteer-onboarding',
      category: 'long-planning',
      system_prompt: 'You write step-by-step operational plans.',
      user_prompt: 'Write a plan to onboard 30 new volunteers before the 1 February food drive: background checks, a 2-hour training, and shift scheduling. Include dates and owners.',
      max_tokens: 320,
      checks: { requiredFacts: ['30', '1 February', 'training'], minWords: 60, maxWords: 320 },
      rubric: [completeness, actionable, { id: 'feasibility', weight: 2, description: 'steps fit before the deadline' }],
    },
    {
      id: 'long-budget-options',
      category: 'long-planning',
      system_prompt: 'Lay out options for a decision, each with cost, pros and cons, then recommend one.',
      user_prompt: 'The van fleet needs replacing. Option A: lease 2 vans for $1,200/month. Option B: buy 1 used van for $28,000. Compare them and recommend one.',
      max_tokens: 320,
      checks: { requiredFacts: ['1,200', '28,000', 'recommend'], minWords: 50, maxWords: 320 },
      rubric: [accuracy, completeness, { id: 'reasoning', weight: 2, description: 'the recommendation follows from the stated costs' }],
    },
    {
      id: 'grants-summary-json',
      category: 'workflow-specific',
      system_prompt: 'Summarise grant applications as JSON only.',
      user_prompt: 'Applications: Riverside Foundation, $50,000, due 2026-12-12, missing budget narrative. Lakeview Trust, $15,000, due 2027-01-20, complete. Give {"summary": string, "items": string[]} with one item per application.',
      max_tokens: 256,
      format: 'json',
      checks: { requiredFacts: ['Riverside', 'Lakeview'], jsonSchema: { type: 'object', required: ['summary', 'items'], properties: { summary: { type: 'string' }, items: { type: 'array', minItems: 2 } } } },
      rubric: [accuracy, completeness, { id: 'format', weight: 1, description: 'valid JSON of exactly the asked shape' }],
    },
    {
      id: 'comms-donor-email',
      category: 'workflow-specific',
      system_prompt: 'Draft outbound donor emails. Never include internal system details.',
      user_prompt: 'Draft a short thank-you email to Maria Lopez for her $250 gift to the winter coat drive, which will outfit 10 children. Sign it from the CivicOS team.',
      max_tokens: 200,
      checks: { requiredFacts: ['Maria', '250', '10 children'], minWords: 30, maxWords: 200 },
      rubric: [accuracy, { id: 'tone', weight: 2, description: 'warm, personal, not salesy' }, clarity],
    },
    {
      id: 'ops-incident-json',
      category: 'workflow-specific',
      system_prompt: 'Triage ops events. Reply with JSON only.',
      user_prompt: 'Events: 02:10 backup job failed (disk full on nas-1); 03:00 website 99.9% uptime; 04:45 payment webhook errors rising. Give {"critical": string[], "actions": string[]}.',
      max_tokens: 200,
      format: 'json',
      checks: { requiredFacts: ['backup', 'webhook'], jsonSchema: { type: 'object', required: ['critical', 'actions'], properties: { critical: { type: 'array', minItems: 1 }, actions: { type: 'array', minItems: 1 } } } },
      rubric: [accuracy, actionable, { id: 'prioritisation', weight: 2, description: 'the truly critical events first, the healthy ones left out' }],
    },
  ],
};
