import { defineConfig } from 'vitest/config';
import { TEST_CODEC_KEYS } from './test/support/codec-key';

/**
 * `npm run test:cluster`: the integration tests that matter, on the local production topology
 * (deploy/cluster: Temporal server on PostgreSQL, worker processes) instead of the dev server.
 * The same test files as `npm test` get the cluster's frontend address from this global setup.
 */
export default defineConfig({
  test: {
    include: [
      // test/cluster/priority.cluster.ts stands in for test/priority.test.ts (it waits for matching's backlog).
      'test/cluster/**/*.cluster.ts',
      'test/lanes.test.ts',
      'test/inference.test.ts',
      'test/lanes-hosts.test.ts',
      'test/civic-workflows.test.ts',
      'test/schedules.test.ts',
    ],
    globalSetup: ['test/cluster/global-setup.ts'],
    setupFiles: ['test/support/runtime.ts'],
    env: { CIVICOS_CODEC_KEYS: TEST_CODEC_KEYS },
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One file at a time: the chaos cases restart the cluster's services under everyone's feet.
    fileParallelism: false,
    sequence: { shuffle: false },
  },
});
