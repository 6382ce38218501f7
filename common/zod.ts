import type * as Zod from 'zod';
import { lazily } from './lazy';

/**
 * zod, loaded on first use. Temporal's reusable V8 context evaluates the modules a run imports
 * again for every run (zod is never preloaded), and zod's own evaluation cost every run more than most runs' validation
 * did; a run that validates nothing with zod (an inference request: common/contract.ts is plain
 * code) now never evaluates it. Schema modules import zod's types only and call this in their
 * (lazy) builders.
 */
export const zod = lazily('zod', (): typeof Zod.z => {
  // A require at first use, not an import: an import is evaluated with the module that holds it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('zod') as typeof Zod).z;
});
