/**
 * Values built on first use instead of at module load. Temporal's reusable V8 context evaluates
 * every module a workflow run imports again for that run (a module cache per run; only the
 * modules workers/workflow-worker.ts preloads are shared, and this one is not), so
 * whatever a module builds at load, zod schemas above all, is rebuilt for every run of every
 * workflow, used or not. Built on first use, a run builds only what it validates.
 */
const builtNames: string[] = [];

/** `build` runs on the first call, once per module instance (in a workflow: once per run); later calls return its value. */
export function lazily<T>(name: string, build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    if (!built) {
      built = { value: build() };
      builtNames.push(name);
    }
    return built.value;
  };
}

/** What this module instance has built so far, in the order each build finished: tests and profiles see what a run built. */
export function builtSoFar(): string[] {
  return [...builtNames];
}
