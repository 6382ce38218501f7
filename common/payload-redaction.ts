import type { InferencePayload } from './contract';
import { redactSecrets } from './redact';

/**
 * The free-text fields of a queue-contract payload with secrets redacted. Applied where a payload
 * enters Temporal history: by the client before it starts the request (submitInference), and by
 * the workflow before the payload reaches an activity input (a start through the `temporal` CLI
 * skips the client). Identifiers, the model and the callback are left as validated.
 */
export function redactPayloadText(payload: InferencePayload): InferencePayload {
  return {
    ...payload,
    system_prompt: redactSecrets(payload.system_prompt),
    user_prompt: redactSecrets(payload.user_prompt),
    ...(payload.success_criteria === undefined ? {} : { success_criteria: redactSecrets(payload.success_criteria) }),
    ...(payload.director_request ? { director_request: { ...payload.director_request, reason: redactSecrets(payload.director_request.reason) } } : {}),
    ...(payload.promotion ? { promotion: { ...payload.promotion, reason: redactSecrets(payload.promotion.reason) } } : {}),
  };
}
