import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { FileLedger, type InferenceRecord } from '../../activities';
import { dataConverterFor } from '../../platform/codec';
import { loadEnv } from '../../platform/env';
import { submitInference, type Submission } from '../../client/submit-inference';
import type { InferencePayloadInput } from '../../common/contract';
import type { InferenceResult } from '../../common/inference';
import { logDir, temporalAddressOf, type ClusterState } from '../../deploy/cluster/cluster';

/** What a chaos case reports: the row of the table. */
export interface ChaosResult {
  case: string;
  requests: number;
  lost: number;
  duplicated: number;
  /** From the end of the fault (service back) until everything in flight at the fault completed. */
  recoverMs: number | null;
  notes: string[];
}

export interface ChaosContext {
  state: ClusterState;
  client: Client;
  /** Unique per run: request keys and workflow IDs start with it. */
  runId: string;
  say(line: string): void;
  close(): Promise<void>;
}

export async function connectChaos(state: ClusterState, say: (line: string) => void = () => undefined): Promise<ChaosContext> {
  const connection = await Connection.connect({ address: temporalAddressOf(state) });
  // The cluster workers' keys: CIVICOS_CODEC_KEYS, else the key file in the cluster's data dir.
  const dataConverter = dataConverterFor({ codecKeys: loadEnv().codecKeys, dataDir: state.platform.dataDir }, { generateDevKey: true });
  const client = new Client({ connection, namespace: state.namespace, dataConverter });
  return { state, client, runId: `chaos-${Date.now().toString(36)}`, say, close: () => connection.close() };
}

export interface Tracked {
  key: string;
  workflowId: string;
  submittedAt: number;
  doneAt?: number;
  result?: InferenceResult;
  error?: string;
  done: Promise<void>;
}

export function requestPayload(key: string, overrides: Partial<InferencePayloadInput> = {}): InferencePayloadInput {
  return {
    agent_id: 'chaos-suite',
    calling_skill: 'chaos',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    system_prompt: 'Be brief.',
    user_prompt: `Chaos request ${key}.`,
    max_tokens: 48,
    callback: 'none',
    idempotency_key: key,
    ...overrides,
  };
}

/** Submits one request and follows it to its end (a submit failure counts as an error). */
export function track(ctx: ChaosContext, key: string, overrides: Partial<InferencePayloadInput> = {}): Tracked {
  const tracked: Tracked = { key, workflowId: `inference:${key}`, submittedAt: Date.now(), done: Promise.resolve() };
  tracked.done = (async () => {
    let submission: Submission | undefined;
    // A submit during a restart may fail to reach the server: the caller retries, as a real one would.
    for (let attempt = 0; ; attempt++) {
      try {
        submission = await submitInference(ctx.client, requestPayload(key, overrides));
        break;
      } catch (error) {
        if (attempt >= 60 || /QueueFull|invalid inference payload/.test(String(error))) {
          tracked.error = `submit: ${String(error)}`;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    try {
      tracked.result = await resultThroughOutages(submission, 600_000);
    } catch (error) {
      tracked.error = String(error);
    }
    tracked.doneAt = Date.now();
  })();
  return tracked;
}

/** handle.result() long-polls; a server restart breaks the poll, not the workflow: poll again. */
async function resultThroughOutages(submission: Submission, timeoutMs: number): Promise<InferenceResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await submission.handle.result();
    } catch (error) {
      const transient = /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Connection|transport|unavailable|timed out/i.test(String(error)) && !/WorkflowFailed/.test(String((error as Error).name));
      if (!transient || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** A steady stream of requests (`perSecond`) until stopped: the flood a fault lands in. */
export function startLoad(ctx: ChaosContext, name: string, perSecond: number, overrides: Partial<InferencePayloadInput> = {}): { tracked: Tracked[]; stop(): Promise<void> } {
  const tracked: Tracked[] = [];
  let n = 0;
  const timer = setInterval(() => {
    tracked.push(track(ctx, `${ctx.runId}-${name}-${n++}`, overrides));
  }, Math.max(10, Math.round(1000 / perSecond)));
  return {
    tracked,
    async stop() {
      clearInterval(timer);
      await Promise.all(tracked.map((t) => t.done));
    },
  };
}

/** Workflow runs per request ID (more than one = duplicated) from visibility. */
export async function runsPerWorkflow(ctx: ChaosContext, prefix: string): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for await (const execution of ctx.client.workflow.list({ query: `WorkflowId STARTS_WITH "${prefix}"` })) {
    runs.set(execution.workflowId, (runs.get(execution.workflowId) ?? 0) + 1);
  }
  return runs;
}

export async function ledgerLines(state: ClusterState, workflowIdPrefix: string): Promise<InferenceRecord[]> {
  const ledger = new FileLedger(state.platform.dataDir);
  return (await ledger.read()).filter((r) => r.workflowId.startsWith(workflowIdPrefix));
}

/** lost: never completed (or failed); duplicated: more than one run or more than one successful model call. */
export async function tally(ctx: ChaosContext, tracked: Tracked[], prefix: string): Promise<{ lost: number; duplicated: number; okLines: number; notes: string[] }> {
  const lost = tracked.filter((t) => !t.result);
  const runs = await runsPerWorkflow(ctx, `inference:${prefix}`);
  const lines = await ledgerLines(ctx.state, `inference:${prefix}`);
  const okPerWorkflow = new Map<string, number>();
  for (const line of lines) if (line.outcome === 'ok') okPerWorkflow.set(line.workflowId, (okPerWorkflow.get(line.workflowId) ?? 0) + 1);
  const duplicated = tracked.filter((t) => (runs.get(t.workflowId) ?? 0) > 1 || (okPerWorkflow.get(t.workflowId) ?? 0) > 1);
  const notes: string[] = [];
  if (lost.length) notes.push(`lost e.g. ${lost[0]!.workflowId}: ${lost[0]!.error ?? 'no result'}`);
  if (duplicated.length) notes.push(`duplicated e.g. ${duplicated[0]!.workflowId}: runs ${runs.get(duplicated[0]!.workflowId)}, ok ledger lines ${okPerWorkflow.get(duplicated[0]!.workflowId)}`);
  return { lost: lost.length, duplicated: duplicated.length, okLines: lines.filter((l) => l.outcome === 'ok').length, notes };
}

/**
 * Time to recover: from the fault's end (service back) until every request submitted before it
 * (those in flight at the fault and those that queued up during it) has completed; null if one never did.
 */
export function recoveryMs(tracked: Tracked[], faultEnd: number): number | null {
  const affected = tracked.filter((t) => t.submittedAt <= faultEnd && (t.doneAt === undefined || t.doneAt > faultEnd));
  if (affected.some((t) => !t.result)) return null;
  return Math.max(0, ...affected.map((t) => t.doneAt! - faultEnd));
}

/** Alerts the worker processes logged (`alert: true` lines) since the given log sizes. */
export function alertsSince(state: ClusterState, offsets: Map<string, number>): Array<{ kind: string; subject?: string }> {
  const out: Array<{ kind: string; subject?: string }> = [];
  for (const file of fs.readdirSync(logDir(state)).filter((f) => f.startsWith('worker-'))) {
    const full = path.join(logDir(state), file);
    const text = fs.readFileSync(full, 'utf8').slice(offsets.get(full) ?? 0);
    for (const line of text.split('\n')) {
      if (!line.includes('"alert":true')) continue;
      try {
        const parsed = JSON.parse(line) as { kind?: string; subject?: string };
        if (parsed.kind) out.push({ kind: parsed.kind, subject: parsed.subject });
      } catch {
        // not a JSON line
      }
    }
  }
  return out;
}

export function logOffsets(state: ClusterState): Map<string, number> {
  const offsets = new Map<string, number>();
  for (const file of fs.readdirSync(logDir(state))) offsets.set(path.join(logDir(state), file), fs.statSync(path.join(logDir(state), file)).size);
  return offsets;
}


/** Resident memory of a process in MiB (Linux /proc). */
export function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
