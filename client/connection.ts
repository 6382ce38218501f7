import { Client, Connection } from '@temporalio/client';
import { dataConverterFor } from '../platform/codec';
import type { PlatformEnv } from '../platform/env';
import { tracingClientInterceptor } from './tracing';

/**
 * The one place a Temporal client is built from configuration: payloads encrypted with the
 * project's codec, and the client's identity (the OS user or CIVICOS_IDENTITY) sent with every
 * call, so it is what the server records for starts, signals and approval updates.
 */
export async function connectClient(env: Pick<PlatformEnv, 'temporalAddress' | 'namespace' | 'codecKeys' | 'dataDir' | 'identity'>, options: { generateDevKey?: boolean } = {}): Promise<Client> {
  const dataConverter = dataConverterFor(env, options);
  const connection = await Connection.connect({ address: env.temporalAddress, connectTimeout: 5_000 });
  return new Client({ connection, namespace: env.namespace, identity: env.identity, dataConverter, interceptors: { workflow: [tracingClientInterceptor] } });
}

export function webUiWorkflowUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
