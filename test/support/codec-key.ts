/**
 * The tests' payload-encryption key (a fixed, public test value: never use it elsewhere). The
 * vitest config puts it in CIVICOS_CODEC_KEYS, so every client, worker and CLI subprocess of a
 * test run encrypts with it.
 */
export const TEST_CODEC_KEYS = JSON.stringify({ current: 'test-1', keys: { 'test-1': Buffer.alloc(32, 7).toString('base64') } });
