import type { Lane } from './lanes';
import type { Provider, RoutingMatrix } from './routing-matrix';

/**
 * A request's route chain through a routing matrix. Its own module, apart from the matrix's
 * schemas, so workflow code can share it across runs (workers/workflow-worker.ts preloads it)
 * without sharing the schemas' lazy builds.
 */
export interface ResolvedRoute {
  /** The alias (or concrete model) this step of the chain came from. */
  alias: string;
  provider: string;
  kind: Provider['kind'];
  placement: Provider['placement'];
  model: string;
  lanes: Lane[];
}

/**
 * The ordered chain for a requested alias: the alias itself, then its fallback chain, breadth
 * first, each alias once. A concrete model name is served by the default provider, no fallback.
 */
export function resolveChain(matrix: RoutingMatrix, requested: string): ResolvedRoute[] {
  const toRoute = (alias: string, provider: string, model: string): ResolvedRoute => {
    const p = matrix.providers[provider]!;
    return { alias, provider, kind: p.kind, placement: p.placement, model, lanes: p.lanes };
  };
  if (!matrix.aliases[requested]) return [toRoute(requested, matrix.defaultProvider, requested)];
  const seen = new Set<string>();
  const queue = [requested];
  const chain: ResolvedRoute[] = [];
  while (queue.length > 0) {
    const alias = queue.shift()!;
    if (seen.has(alias)) continue;
    seen.add(alias);
    const route = matrix.aliases[alias];
    if (!route) continue;
    chain.push(toRoute(alias, route.provider, route.model));
    queue.push(...route.fallback);
  }
  return chain;
}
