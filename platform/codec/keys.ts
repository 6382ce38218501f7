import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { formatZodIssues, ProblemsError } from '../../common/failures';

/**
 * Payload-encryption keys: `{"current":"<id>","keys":{"<id>":"<base64 of 32 bytes>",…}}`, given in
 * CIVICOS_CODEC_KEYS as JSON or as the path of a file holding that JSON. `current` encrypts; every
 * listed key decrypts, so a rotation adds a key, makes it current, and keeps the old ones until
 * no retained history uses them. A key's value never appears in an error or a log line.
 */
export interface CodecKeys {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from (for messages): `CIVICOS_CODEC_KEYS`, a file path. */
  source: string;
}

export const CODEC_KEYS_VAR = 'CIVICOS_CODEC_KEYS';
export const CODEC_KEYS_FIX = `give {"current":"k1","keys":{"k1":"<32 random bytes, base64>"}} (or a file path holding it); make a key with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

const keyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'key ids are 1-64 letters, digits, dot, dash, underscore');
const keyValue = z
  .string({ error: 'expected a base64 string' })
  .refine((value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value), 'expected base64')
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes (AES-256) of base64');

const keysSchema = z
  .strictObject({ current: keyId, keys: z.record(keyId, keyValue).refine((keys) => Object.keys(keys).length > 0, 'list at least one key') })
  .refine((value) => value.current in value.keys, { message: 'must name one of the listed keys', path: ['current'] });

/** Thrown for a bad key configuration; `problems` name the field (never a key value). */
export class CodecKeyError extends ProblemsError {
  override readonly name = 'CodecKeyError';
  constructor(problems: string[]) {
    super('Invalid payload-codec keys', problems);
  }
}

/** Parses CIVICOS_CODEC_KEYS (JSON, or a path to a JSON file). */
export function parseCodecKeys(value: string, baseDir = process.cwd()): CodecKeys {
  const trimmed = value.trim();
  let text = trimmed;
  let source = CODEC_KEYS_VAR;
  if (!trimmed.startsWith('{')) {
    source = path.resolve(baseDir, trimmed);
    try {
      text = fs.readFileSync(source, 'utf8');
    } catch (error) {
      throw new CodecKeyError([`${CODEC_KEYS_VAR}: cannot read the key file ${source} (${(error as NodeJS.ErrnoException).code ?? 'error'}). Fix: ${CODEC_KEYS_FIX}`]);
    }
  }
  return parseKeysJson(text, source);
}

function parseKeysJson(text: string, source: string): CodecKeys {
  const where = source === CODEC_KEYS_VAR ? CODEC_KEYS_VAR : `${CODEC_KEYS_VAR} (file ${source})`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CodecKeyError([`${where}: not valid JSON. Fix: ${CODEC_KEYS_FIX}`]);
  }
  const parsed = keysSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths name fields and key ids only: a key's value never reaches a message.
    throw new CodecKeyError(formatZodIssues(parsed.error, { root: where, field: (p) => `${where}${p.map((part) => `.${String(part)}`).join('')}`, fix: () => CODEC_KEYS_FIX }));
  }
  return { current: parsed.data.current, keys: new Map(Object.entries(parsed.data.keys).map(([id, key]) => [id, Buffer.from(key, 'base64')])), source };
}

/** The development key file `npm start` writes when no keys are configured. */
export function devKeyFile(dataDir: string): string {
  return path.join(dataDir, 'codec-keys.json');
}

/**
 * The keys this process uses: the configured ones, else the dev key file in the data directory.
 * With `generateDevKey` (npm start, dev-server) a missing dev key is created (mode 0600); other
 * commands refuse, so a worker never encrypts with a key nobody else has.
 */
export function resolveCodecKeys(configured: CodecKeys | undefined, dataDir: string, options: { generateDevKey?: boolean } = {}): CodecKeys & { generated: boolean } {
  if (configured) return { ...configured, generated: false };
  const file = devKeyFile(dataDir);
  if (fs.existsSync(file)) return { ...parseKeysJson(fs.readFileSync(file, 'utf8'), file), generated: false };
  if (!options.generateDevKey) {
    throw new CodecKeyError([`${CODEC_KEYS_VAR} is not set and there is no dev key at ${file}. Fix: ${CODEC_KEYS_FIX}; or run \`npm start\` once to generate a dev key`]);
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const id = `dev-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  const json = `${JSON.stringify({ current: id, keys: { [id]: randomBytes(32).toString('base64') } }, null, 2)}\n`;
  try {
    fs.writeFileSync(file, json, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ...parseKeysJson(fs.readFileSync(file, 'utf8'), file), generated: false };
  }
  return { ...parseKeysJson(json, file), generated: true };
}
