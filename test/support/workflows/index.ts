// The test workflows barrel (bundled by test/support/global-setup.ts): the production barrel plus
// workflows only tests start.
export * from '../../../workflows';
export { priorityProbe, addSecondBatchSignal } from './priority-probe';
export { schemaBuildsProbe } from './schema-builds';
export { preloadProbe } from './preload-probe';
