import { z } from 'zod';
import { lazily } from './lazy';

/**
 * The file-based data sources the workflows read (`data/<source>.json` in the repo; an operator's
 * own export in `<CIVICOS_DATA_DIR>/sources/<source>.json` takes precedence). One zod schema per
 * source, validated by the data-source activity when it loads the file.
 */
const isoDate = () => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const isoTime = () => z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/, 'must be a UTC time YYYY-MM-DDTHH:MM:SSZ');
const id = () => z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be a lower-case id (letters, digits, -)');
const money = () => z.number().nonnegative('must not be negative');
const currency = () => z.string().regex(/^[A-Z]{3}$/, 'must be an ISO currency code such as EUR');
const text = () => z.string().trim().min(1, 'must not be empty');

export const donorsSchema = lazily('donors source', () =>
  z.strictObject({
    donors: z.array(
      z.strictObject({
        id: id(),
        name: text(),
        segment: z.enum(['major', 'monthly', 'first-time', 'occasional', 'foundation']),
        since: isoDate(),
      }),
    ),
    gifts: z.array(
      z.strictObject({
        id: id(),
        donorId: id(),
        date: isoDate(),
        amount: money(),
        currency: currency(),
        fund: text(),
        kind: z.enum(['one-off', 'recurring', 'pledge']),
      }),
    ),
  }),
);

export const grantsSchema = lazily('grants source', () =>
  z.strictObject({
    grants: z.array(
      z.strictObject({
        id: id(),
        funder: text(),
        programme: text(),
        amount: money(),
        currency: currency(),
        deadline: isoDate(),
        status: z.enum(['researching', 'drafting', 'in-review', 'submitted', 'awarded', 'declined']),
        owner: text(),
        missing: z.array(text()),
      }),
    ),
  }),
);

export const opsEventsSchema = lazily('ops-events source', () =>
  z.strictObject({
    events: z.array(
      z.strictObject({
        ts: isoTime(),
        service: id(),
        severity: z.enum(['info', 'warning', 'critical']),
        message: text(),
      }),
    ),
  }),
);

export const commsBriefsSchema = lazily('comms-briefs source', () =>
  z.strictObject({
    campaigns: z.array(
      z.strictObject({
        id: id(),
        channel: z.enum(['email', 'newsletter', 'social']),
        audience: text(),
        subject: text(),
        keyPoints: z.array(text()).min(1, 'must list at least one key point'),
        recipients: z.array(text()).min(1, 'must name at least one recipient or list'),
        signOff: text(),
      }),
    ),
  }),
);

export const decisionsSchema = lazily('decisions source', () =>
  z.strictObject({
    decisions: z.array(
      z.strictObject({
        id: id(),
        question: text(),
        due: isoDate(),
        owner: text(),
        context: text(),
        options: z
          .array(z.strictObject({ name: text(), pros: z.array(text()), cons: z.array(text()), cost: text() }))
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
