/**
 * A protocol-faithful Ollama HTTP API simulator for development, tests and overhead benchmarks.
 *
 * It speaks the wire format of /api/chat, /api/generate, /api/embed, /api/tags, /api/ps, /api/show,
 * /api/version and Ollama's OpenAI-compatible /v1/chat/completions and /v1/models, schedules
 * generations like Ollama (N parallel slots, a bounded FIFO queue, 503 when it is full), produces
 * deterministic replies at a configurable speed, notices client disconnects, and can inject faults.
 * It refuses what Ollama refuses (capabilities a model lacks, option values of the wrong type) with
 * Ollama's status and text, and counts prompt tokens through each model's chat template, as
 * test/ollama-contract.test.ts checks against a real Ollama. Node built-ins only.
 *
 * CLI: `npx tsx deploy/dev/ollama-simulator.ts --port 0 --parallel 2 --tokens-per-second 50 --ttft-ms 100`
 * The parts: ollama-sim/types, models (catalogue), replies (deterministic text, JSON-schema faker),
 * request-parsing, responses, scheduler; this file is the server and the CLI.
 *
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type OllamaSimulator, type SimulatorOptions } from './ollama-sim/types';
import { Simulator } from './ollama-sim/scheduler';

export { BUSY_MESSAGE, DEFAULT_MODELS, type DoneReason, type GenerationOutcome, type GenerationPath, type GenerationRecord, type OllamaSimulator, type RuntimeOptions, type ScriptedModel, type SimulatorEvents, type SimulatorFaults, type SimulatorOptions, type SimulatorStats } from './ollama-sim/types';
export { type Capability, normalizeModelName } from './ollama-sim/models';
export { type ReplyInput, type ReplyPlan, type ResponseFormat, fakeJsonValue, planReply, textTokenCount } from './ollama-sim/replies';

// ───────────────────────────── server ─────────────────────────────

export async function startOllamaSimulator(options: SimulatorOptions = {}): Promise<OllamaSimulator> {
  const simulator = new Simulator(options);
  const server = http.createServer(simulator.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    events: simulator.events,
    get records() {
      return simulator.records;
    },
    stats: () => simulator.stats(),
    setOptions: (partial) => simulator.setOptions(partial),
    resetStats: () => simulator.resetStats(),
    waitFor: (predicate, timeoutMs) => simulator.waitFor(predicate, timeoutMs),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Destroying the sockets ends in-flight generations as `aborted` and frees their timers.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ───────────────────────────── CLI ─────────────────────────────

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = value === 'Infinity' ? Number.POSITIVE_INFINITY : Number(value);
  if (Number.isNaN(parsed)) throw new Error(`--${name} expects a number, got "${value}"`);
  return parsed;
}

export function parseCliArgs(argv: string[]): SimulatorOptions & { log: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      parallel: { type: 'string' },
      'tokens-per-second': { type: 'string' },
      'ttft-ms': { type: 'string' },
      'max-queue': { type: 'string' },
      'default-max-tokens': { type: 'string' },
      models: { type: 'string' },
      seed: { type: 'string' },
      'error-rate': { type: 'string' },
      'error-status': { type: 'string' },
      'missing-models': { type: 'string' },
      log: { type: 'boolean', default: false },
    },
  });
  const list = (text: string | undefined): string[] | undefined => text?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    host: values.host,
    port: numberFlag(values.port, 'port'),
    parallel: numberFlag(values.parallel, 'parallel'),
    tokensPerSecond: numberFlag(values['tokens-per-second'], 'tokens-per-second'),
    ttftMs: numberFlag(values['ttft-ms'], 'ttft-ms'),
    maxQueue: numberFlag(values['max-queue'], 'max-queue'),
    defaultMaxTokens: numberFlag(values['default-max-tokens'], 'default-max-tokens'),
    models: list(values.models),
    seed: numberFlag(values.seed, 'seed'),
    faults: {
      errorRate: numberFlag(values['error-rate'], 'error-rate'),
      errorStatus: numberFlag(values['error-status'], 'error-status'),
      missingModels: list(values['missing-models']),
    },
    log: values.log ?? false,
  };
}

async function main(argv: string[]): Promise<void> {
  const { log, ...options } = parseCliArgs(argv);
  const simulator = await startOllamaSimulator(options);
  process.stdout.write(`${JSON.stringify({ event: 'ollama_simulator_listening', url: simulator.url, port: simulator.port })}\n`);
  if (log) simulator.events.on('end', (record) => process.stdout.write(`${JSON.stringify({ event: 'ollama_simulator_generation', ...record })}\n`));
  const shutdown = async (signal: string): Promise<void> => {
    await simulator.close();
    process.stdout.write(`${JSON.stringify({ event: 'ollama_simulator_stopped', signal })}\n`);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`ollama simulator: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
