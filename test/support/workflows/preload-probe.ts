import * as contract from '../../../common/contract';
import * as lanes from '../../../common/lanes';
import * as redact from '../../../common/redact';
import * as routingMatrix from '../../../common/routing-matrix';
import * as lazy from '../../../common/lazy';
import * as barrel from '../../../workflows';
import * as donorDigest from '../../../workflows/donor-digest';
import * as describeFailure from '../../../workflows/describe-failure';
import * as tracingInterceptors from '../../../workflows/tracing-interceptors';

/**
 * Diagnostic: which modules this run shares with every other run of its V8 context. The SDK
 * deep-freezes a preloaded module's exports, so a frozen module namespace is a shared one; a
 * module evaluated for this run alone is not frozen.
 */
export async function preloadProbe(): Promise<Record<string, boolean>> {
  const modules: Record<string, object> = { contract, lanes, redact, tracingInterceptors, describeFailure, barrel, routingMatrix, lazy, donorDigest };
  return Object.fromEntries(Object.entries(modules).map(([name, namespace]) => [name, Object.isFrozen(namespace)]));
}
