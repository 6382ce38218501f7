import { Client, Connection } from '@temporalio/client';
import type { DataConverter, Payload } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { inject } from 'vitest';
import { encryptingDataConverter, parseCodecKeys } from '../../platform/codec';
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

/** A payload read raw from the server (history, describe), decrypted with the tests' key and parsed as JSON. */
export async function decodedJson<T>(payload: Payload | null | undefined): Promise<T | undefined> {
  if (!payload) return undefined;
  const [plain] = await testDataConverter().payloadCodecs![0]!.decode([payload]);
  return JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as T;
}

/** A copy of `value` (e.g. history events) with every encrypted payload in it decrypted with the tests' key. */
export async function decryptedDeep<T>(value: T): Promise<T> {
  if (Array.isArray(value)) return (await Promise.all(value.map((item) => decryptedDeep(item)))) as T;
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const record = value as Record<string, unknown>;
  const encoding = (record.metadata as Record<string, Uint8Array> | undefined)?.encoding;
  if (record.data instanceof Uint8Array && encoding && Buffer.from(encoding).toString() === 'binary/encrypted') {
    return (await testDataConverter().payloadCodecs![0]!.decode([record as Payload]))[0] as T;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(record)) out[key] = await decryptedDeep(inner);
  return out as T;
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
