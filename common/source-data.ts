import type { z } from 'zod';
import { zod } from './zod';
import { lazily } from './lazy';

/**
 * The file-based data sources the workflows read (`data/<source>.json` in the repo; an operator's
 * own export in `<CIVICOS_DATA_DIR>/sources/<source>.json` takes precedence). One zod schema per
 * source, validated by the data-source activity when it loads the file.
 */
const isoDate = () => zod().string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const isoTime = () => zod().string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/, 'must be a UTC time YYYY-MM-DDTHH:MM:SSZ');
const id = () => zod().string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be a lower-case id (letters, digits, -)');
const money = () => zod().number().nonnegative('must not be negative');
const currency = () => zod().string().regex(/^[A-Z]{3}$/, 'must be an ISO currency code such as EUR');
const text = () => zod().string().trim().min(1, 'must not be empty');

export const donorsSchema = lazily('donors source', () =>
  zod().strictObject({
    donors: zod().array(
      zod().strictObject({
        id: id(),
        name: text(),
        segment: zod().enum(['major', 'monthly', 'first-time', 'occasional', 'foundation']),
        since: isoDate(),
      }),
    ),
    gifts: zod().array(
      zod().strictObject({
        id: id(),
        donorId: id(),
        date: isoDate(),
        amount: money(),
        currency: currency(),
        fund: text(),
        kind: zod().enum(['one-off', 'recurring', 'pledge']),
      }),
    ),
  }),
);

export const grantsSchema = lazily('grants source', () =>
  zod().strictObject({
    grants: zod().array(
      zod().strictObject({
        id: id(),
        funder: text(),
        programme: text(),
        amount: money(),
        currency: currency(),
        deadline: isoDate(),
        status: zod().enum(['researching', 'drafting', 'in-review', 'submitted', 'awarded', 'declined']),
        owner: text(),
        missing: zod().array(text()),
      }),
    ),
  }),
);

export const opsEventsSchema = lazily('ops-events source', () =>
  zod().strictObject({
    events: zod().array(
      zod().strictObject({
        ts: isoTime(),
        service: id(),
        severity: zod().enum(['info', 'warning', 'critical']),
        message: text(),
      }),
    ),
  }),
);

export const commsBriefsSchema = lazily('comms-briefs source', () =>
  zod().strictObject({
    campaigns: zod().array(
      zod().strictObject({
        id: id(),
        channel: zod().enum(['email', 'newsletter', 'social']),
        audience: text(),
        subject: text(),
        keyPoints: zod().array(text()).min(1, 'must list at least one key point'),
        recipients: zod().array(text()).min(1, 'must name at least one recipient or list'),
        signOff: text(),
      }),
    ),
  }),
);

export const decisionsSchema = lazily('decisions source', () =>
  zod().strictObject({
    decisions: zod().array(
      zod().strictObject({
        id: id(),
        question: text(),
        due: isoDate(),
        owner: text(),
        context: text(),
        options: zod()
          .array(zod().strictObject({ name: text(), pros: zod().array(text()), cons: zod().array(text()), cost: text() }))
          .min(2, 'a decision needs at least two options'),
      }),
    ),
  }),
);

export const SOURCE_SCHEMAS = {
  donors: donorsSchema,
  grants: grantsSchema,
  'ops-events': opsEventsSchema,
  'comms-briefs': commsBriefsSchema,
  decisions: decisionsSchema,
} as const;

export type SourceName = keyof typeof SOURCE_SCHEMAS;
export type SourceData = { [K in SourceName]: z.infer<ReturnType<(typeof SOURCE_SCHEMAS)[K]>> };
export const SOURCE_NAMES = Object.keys(SOURCE_SCHEMAS) as SourceName[];
