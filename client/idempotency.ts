import { createHash } from 'node:crypto';
import type { InferencePayload } from '../common/contract';
import { canonicalJson } from '../common/canonical-json';
import { ADMISSION_FAILURE } from '../common/failures';

/** Memo key of a request run: a fingerprint per payload field, so a reused key can be checked. */
export const PAYLOAD_FINGERPRINT_MEMO = 'payloadFingerprint';

/** The same idempotency_key was sent with a different payload: nothing was submitted. */
export class IdempotencyConflictError extends Error {
  override readonly name = ADMISSION_FAILURE.idempotencyConflict;
  constructor(
    readonly key: string,
    readonly fields: string[],
  ) {
    super(
      `${ADMISSION_FAILURE.idempotencyConflict}: idempotency_key "${key}" was already used for a request that differs in ${fields.join(', ')}; nothing was submitted. ` +
        'Fix: send a new idempotency_key for a different request, or resend the original payload to get its result',
    );
  }
}

/** A short hash per top-level field: names what differs without copying prompts out of the (encrypted) history. */
export function payloadFingerprint(payload: InferencePayload): Record<string, string> {
  return Object.fromEntries(
    Object.keys(payload)
      .sort()
      .map((field) => [field, createHash('sha256').update(canonicalJson((payload as unknown as Record<string, unknown>)[field])).digest('hex').slice(0, 16)]),
  );
}

/**
 * A request with an idempotency_key attached to an existing run (`memo`: that run's, from describe):
 * refuse it when its payload is not the run's payload (a run started before fingerprints were
 * recorded is trusted). A start that created the run needs no check: the run holds this payload.
 */
export function assertSameRequest(memo: Record<string, unknown> | undefined, payload: InferencePayload): void {
  if (!payload.idempotency_key) return;
  const stored = memo?.[PAYLOAD_FINGERPRINT_MEMO] as Record<string, string> | undefined;
  if (!stored) return;
  const mine = payloadFingerprint(payload);
  const fields = [...new Set([...Object.keys(stored), ...Object.keys(mine)])].filter((field) => stored[field] !== mine[field]).sort();
  if (fields.length) throw new IdempotencyConflictError(payload.idempotency_key, fields);
}
