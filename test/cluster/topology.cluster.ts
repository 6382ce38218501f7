import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { submitInference } from '../../client/submit-inference';
import { loadState, uiUrl, type ClusterState } from '../../deploy/cluster/cluster';
import { isAlive } from '../../deploy/cluster/processes';
import { psql } from '../../deploy/cluster/postgres';
import { renderDynamicConfig, TEMPORAL_SERVICES } from '../../deploy/cluster/temporal-server';
import { connectChaos, requestPayload, type ChaosContext } from '../../bench/chaos/harness';
import * as fs from 'node:fs';

const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
let state: ClusterState;
let ctx: ChaosContext;

beforeAll(async () => {
  state = loadState(inject('clusterDir'))!;
  ctx = await connectChaos(state);
});
afterAll(async () => {
  await ctx?.close();
});

describe('the local production topology', () => {
  it('runs PostgreSQL, four Temporal service processes, the Web UI, two model hosts and three worker processes', () => {
    expect(isAlive(state.ui.pid), `web UI: ${state.ui.error ?? ''}`).toBe(true);
    for (const service of TEMPORAL_SERVICES) expect(isAlive(state.temporal.pids[service]), `temporal ${service}`).toBe(true);
    for (const host of state.platform.hosts) expect(isAlive(host.pid), `model host ${host.name}`).toBe(true);
    expect(state.platform.workers.map((w) => [w.name, w.role, isAlive(w.pid)])).toEqual([
      ['workflows', 'workflows', true],
      ['inference-gpu-a', 'inference', true],
      ['inference-gpu-b', 'inference', true],
    ]);
    // Configured only through the environment: each inference worker knows its own host alone.
    const a = state.platform.workers.find((w) => w.name === 'inference-gpu-a')!;
    expect(JSON.parse(a.env.CIVICOS_MODEL_HOSTS!)).toEqual([{ name: 'gpu-a', url: `http://127.0.0.1:${state.platform.hosts[0]!.port}`, slots: 2 }]);
    expect(a.env.TEMPORAL_ADDRESS).toBe(`127.0.0.1:${state.temporal.ports.frontendGrpc}`);
  });

  it('a request is served by an inference worker process and listed with our search attributes, in PostgreSQL visibility', async () => {
    const key = `${ctx.runId}-topology`;
    const { handle, workflowId } = await submitInference(ctx.client, requestPayload(key));
    const result = await handle.result();
    expect(['gpu-a', 'gpu-b']).toContain(result.host);
    expect(result.provider).toBe('ollama');
    // The official CLI against the cluster's frontend, filtering by our attributes.
    const { stdout } = await execFileAsync(inject('temporalCliPath'), [
      'workflow', 'list', '--address', `127.0.0.1:${state.temporal.ports.frontendGrpc}`, '--namespace', state.namespace,
      '--query', `WorkflowId = "${workflowId}" AND Lane = "prod" AND CivicPriority = "high" AND JobType = "inference-request" AND AgentId = "chaos-suite"`, '--output', 'json',
    ]);
    const listed = JSON.parse(stdout) as Array<{ execution: { workflowId: string }; searchAttributes?: { indexedFields?: Record<string, unknown> } }>;
    expect(listed.map((w) => w.execution.workflowId)).toEqual([workflowId]);
    expect(Object.keys(listed[0]!.searchAttributes?.indexedFields ?? {})).toEqual(expect.arrayContaining(['Lane', 'CivicPriority', 'JobType', 'AgentId', 'CallingSkill', 'Model']));
    // The cluster's Web UI (its HTTP API, what its workflow list page calls) shows it with our attributes.
    const ui = await fetch(`${uiUrl(state)}/api/v1/namespaces/${state.namespace}/workflows?query=${encodeURIComponent(`WorkflowId = "${workflowId}" AND Lane = "prod"`)}`);
    const body = (await ui.json()) as { executions: Array<{ execution: { workflowId: string }; searchAttributes: { indexedFields: Record<string, { data: string }> } }> };
    expect(body.executions.map((e) => e.execution.workflowId)).toEqual([workflowId]);
    const decoded = Object.fromEntries(Object.entries(body.executions[0]!.searchAttributes.indexedFields).map(([k, v]) => [k, JSON.parse(Buffer.from(v.data, 'base64').toString()) as unknown]));
    expect(decoded).toMatchObject({ Lane: 'prod', CivicPriority: 'high', JobType: 'inference-request', AgentId: 'chaos-suite', CallingSkill: 'chaos', Model: 'qwen3:14b' });
    // The visibility row is in the cluster's PostgreSQL.
    const rows = await psql(state.postgres, `SELECT status FROM executions_visibility WHERE workflow_id = '${workflowId}'`, 'temporal_visibility');
    expect(rows.trim()).toBe('2'); // WORKFLOW_EXECUTION_STATUS_COMPLETED
  });

  it('the committed production dynamic config is the one the local cluster runs', () => {
    const committed = fs.readFileSync(path.join(root, 'deploy/k8s/config/dynamic-config.yaml'), 'utf8');
    expect(committed).toBe(renderDynamicConfig());
    expect(fs.readFileSync(path.join(state.temporal.dir, 'config', 'dynamic-config.yaml'), 'utf8')).toBe(committed);
  });
});
