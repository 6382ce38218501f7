import { Client, Connection } from '@temporalio/client';
import type { PlatformEnv } from '../platform/env';

/** The one place a Temporal client is built from configuration. */
export async function connectClient(env: Pick<PlatformEnv, 'temporalAddress' | 'namespace'>): Promise<Client> {
  const connection = await Connection.connect({ address: env.temporalAddress, connectTimeout: 5_000 });
  return new Client({ connection, namespace: env.namespace });
}

export function webUiWorkflowUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
