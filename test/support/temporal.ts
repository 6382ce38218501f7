import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { inject } from 'vitest';
import { encryptingDataConverter, parseCodecKeys } from '../../codec';
import { ALL_SEARCH_ATTRIBUTES } from '../../common/search-attributes';
import { TEST_CODEC_KEYS } from './codec-key';

export interface TestTemporal {
  address: string;
  client: Client;
  native: NativeConnection;
  namespace: string;
  workflowBundle: { codePath: string };
  /** The encrypting converter with the test key: give it to every Client and Worker a test creates. */
  dataConverter: DataConverter;
  close(): Promise<void>;
}

/**
 * Connections to the run's shared dev server (started by global-setup). Test files that run the
 * platform's fixed task queues pass their own `namespace`, so files running in parallel never
 * poll each other's work.
 */
export async function connectTest(options: { namespace?: string } = {}): Promise<TestTemporal> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const namespace = options.namespace ? await ensureNamespace(connection, options.namespace) : inject('temporalNamespace');
  const native = await NativeConnection.connect({ address });
  const dataConverter = testDataConverter();
  return {
    address,
    client: new Client({ connection, namespace, dataConverter }),
    dataConverter,
    native,
    namespace,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    async close() {
      await connection.close();
      await native.close();
    },
  };
}

/** The project's encrypting converter with the tests' key. */
export function testDataConverter(): DataConverter {
  return encryptingDataConverter(parseCodecKeys(TEST_CODEC_KEYS));
}

/** Polls `check` until it returns a truthy value: awaiting a condition, never a fixed sleep. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

async function ensureNamespace(connection: Connection, namespace: string): Promise<string> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  } catch (error) {
    if (!/already exists|AlreadyExists/i.test(String(error))) throw error;
  }
  await eventually(async () => {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return true;
    } catch {
      return false;
    }
  }, { what: `namespace ${namespace}` });
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  }).catch((error: unknown) => {
    if (!/already exists|AlreadyExists/i.test(String(error))) throw error;
  });
  // A new namespace is served by the frontend after its cache refreshes: wait until a list call works.
  await eventually(async () => {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: 'Lane = "prod"' });
      return true;
    } catch {
      return false;
    }
  }, { what: `namespace ${namespace} serving search attributes`, timeoutMs: 30_000 });
  return namespace;
}
