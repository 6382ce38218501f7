import { defineConfig } from 'vitest/config';
import { TEST_CODEC_KEYS } from './test/support/codec-key';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/runtime.ts'],
    // Every client, worker and CLI subprocess of the tests encrypts payloads with the test key.
    env: { CIVICOS_CODEC_KEYS: TEST_CODEC_KEYS },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files than that only makes every Temporal round-trip slower.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
