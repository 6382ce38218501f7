import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';
import { CLUSTER_DYNAMIC_CONFIG, renderDynamicConfig, renderServerConfig, TEMPORAL_SERVICES } from '../deploy/cluster/temporal-server';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../deploy/temporal/dev-server';

const root = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

describe('deployment files agree with the platform', () => {
  it('the production dynamic config is the dev server\'s (partitions for priority, pause), as the local cluster runs it', () => {
    expect(CLUSTER_DYNAMIC_CONFIG).toEqual(DEV_SERVER_DYNAMIC_CONFIG);
    expect(read('deploy/k8s/config/dynamic-config.yaml')).toBe(renderDynamicConfig());
    expect(renderDynamicConfig()).toMatch(/matching\.numTaskqueueReadPartitions:\n {2}- value: 1\n/);
  });

  it.each(['deploy/compose.yaml', 'deploy/k8s/temporal.yaml'])('%s registers every search attribute the platform sets, as Keyword', (file) => {
    const text = read(file);
    const loop = /for sa in ([A-Za-z ]+); do\s+temporal operator search-attribute create -n default --name \$\$?sa --type Keyword/.exec(text);
    expect(loop?.[1]?.trim().split(/\s+/).sort()).toEqual(ALL_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
  });

  it('every Temporal service of the local cluster has its own metrics port and a membership port PostgreSQL can store', () => {
    const ports = {
      frontendGrpc: 40001, frontendHttp: 40002, frontendMembership: 21001, historyGrpc: 40003, historyMembership: 21002,
      matchingGrpc: 40004, matchingMembership: 21003, workerGrpc: 40005, workerMembership: 21004,
      metrics: { frontend: 40011, history: 40012, matching: 40013, worker: 40014 },
    };
    const config = { installDir: '/x', dir: '/tmp/c', ports, postgres: { port: 5999, password: 'p' }, numHistoryShards: 4 };
    const rendered = TEMPORAL_SERVICES.map((s) => renderServerConfig(config, s));
    expect(rendered.map((text) => /listenAddress: "127\.0\.0\.1:(\d+)"/.exec(text)?.[1])).toEqual(['40011', '40012', '40013', '40014']);
    for (const text of rendered) {
      expect(text).toMatch(/pluginName: "postgres12"[\s\S]*databaseName: "temporal_visibility"/);
      for (const [, port] of text.matchAll(/membershipPort: (\d+)/g)) expect(Number(port)).toBeLessThan(32768);
    }
  });
});
