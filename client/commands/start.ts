import * as path from 'node:path';
import type { ModelHostTarget } from '../../activities';
import { DEFAULT_OLLAMA_URL, probeOllama } from '../../activities/inference/probe';
import { startOllamaSimulator } from '../../deploy/dev/ollama-simulator';
import { describeRealOllama, findOllamaBinary, installTinyModel, startRealOllama } from '../../deploy/ollama/real-ollama';
import { DEMO_ROUTING_PROFILE } from '../../config/demo-routing';
import { locateTemporalCli, startDevServer, temporalAnswers, type DevServer } from '../../deploy/temporal/dev-server';
import type { PlatformEnv } from '../../platform/env';
import { fileLogSink } from '../../platform/log-file';
import { configureLogger, type JsonLogger } from '../../platform/logger';
import { runWorkers } from '../../workers/run-workers';
import { installTelemetry } from '../../workers/telemetry';
import { connectClient, webUiWorkflowUrl } from '../connection';
import { admissionFromEnv } from '../admission';
import { submitInference } from '../submit-inference';
import { describeCodecKeys, startProjectCodecServer, uiOriginsFor } from './codec-server';
import type { RegisterCommand } from './context';
import { untilSignal } from './worker';

const say = (line = ''): boolean => process.stdout.write(`${line}\n`);

/** The sample first workflow: a donor digest request through the queue contract. */
export function firstWorkflowPayload(now: Date) {
  return {
    agent_id: 'civicos-start',
    calling_skill: 'donor-digest',
    model: 'local/qwen-14b',
    priority: 'high',
    lane: 'prod',
    task_class: 'summary',
    max_tokens: 96,
    callback: 'none',
    idempotency_key: `first-run-${now.toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`,
    system_prompt: 'You write short, warm donor digests for a civic nonprofit. Plain text, no invented figures.',
    user_prompt:
      'Summarise this week for the development team: Ada Okafor renewed her monthly gift (EUR 40); ' +
      'the Lindqvist Family Fund pledged EUR 12,000 for the literacy programme; three first-time donors joined after the river clean-up.',
  };
}

/**
 * `npm start`: Temporal dev server (unless one answers), Ollama (real if one answers, else the
 * project's own real Ollama with the tiny model if it is built, else the simulator, labelled),
 * the workers, and a first workflow end to end; runs until Ctrl-C.
 */
export const registerStart: RegisterCommand = (program, ctx) => {
  program
    .command('start')
    .description('Main job: dev server (unless one answers), workers, a first workflow; runs until Ctrl-C')
    .option('--verbose', 'print the JSON log lines here too (default: into <data dir>/logs/civicos.log)')
    .action(async (options: { verbose?: boolean }) => {
      const env = ctx.env();
      if (options.verbose) {
        await startCommand(env, ctx.logger());
        return;
      }
      const logFile = startLogFile(env);
      say(`Logs:     ${logFile} (JSON lines; warnings and errors also show here; --verbose prints every line)`);
      await startCommand(env, configureLogger(env.logLevel, fileLogSink(logFile)));
    });
};

/** Where `npm start` writes its JSON log lines (appended across runs). */
export function startLogFile(env: Pick<PlatformEnv, 'dataDir'>): string {
  return path.resolve(env.dataDir, 'logs', 'civicos.log');
}

export async function startCommand(env: PlatformEnv, logger: JsonLogger): Promise<void> {
  installTelemetry({ logger, metricsPort: env.metricsPort });
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error('shutdown step failed', { error }));
  };
  const signal = untilSignal();
  try {
    let uiBase = `http://127.0.0.1:${env.uiPort}`;
    // Payloads are encrypted in history; the codec server lets the Web UI show them decoded.
    const codec = await startProjectCodecServer(env, { port: env.codecPort, uiOrigins: uiOriginsFor(env.uiPort), generateDevKey: true, fallbackToFreePort: true });
    stops.push(codec.server.close);
    say(describeCodecKeys(codec.keys));
    if (await temporalAnswers(env.temporalAddress)) {
      say(`Temporal: using the server already answering at ${env.temporalAddress}`);
      say(`          its Web UI decodes payloads only if started with --ui-codec-endpoint ${codec.server.url}`);
    } else {
      const cli = await locateTemporalCli();
      say(`Temporal: starting dev server (${cli.version.split('\n')[0]}) from ${cli.path}`);
      const port = Number(env.temporalAddress.split(':').pop());
      const server: DevServer = await startDevServer({
        temporalPath: cli.path,
        port,
        uiPort: env.uiPort,
        codecEndpoint: codec.server.url,
        namespace: env.namespace,
        dbFile: path.join(env.dataDir, 'temporal', 'civicos-dev.sqlite'),
        logger,
      });
      stops.push(server.stop);
      uiBase = server.uiUrl ?? uiBase;
    }

    const { host, aliases } = await chooseModelHost(env, logger, stops);
    const workers = await runWorkers({ env, logger, hosts: [host], aliases });
    stops.push(workers.shutdown); // stopped in reverse order: workers first, then Ollama, then the dev server
    const crashed = workers.done.then(
      () => undefined,
      (error: unknown) => error,
    );

    const client = await connectClient(env);
    const submission = await submitInference(client, firstWorkflowPayload(new Date()), admissionFromEnv(env, logger));
    say(`Web UI:   ${uiBase}/namespaces/${env.namespace}/workflows (decodes payloads through the codec server at ${codec.server.url})`);
    say(`Workflow: ${submission.workflowId} (task queue civicos)`);
    say(`          ${webUiWorkflowUrl(uiBase, env.namespace, submission.workflowId)}`);
    const result = await submission.handle.result();
    say(`Result:   completed on ${result.host}${result.simulated ? ' (SIMULATED Ollama)' : ''}, model ${result.model} (${result.requestedModel}), ` +
      `${result.outputTokens} tokens, ${result.modelLatencyMs} ms, queue wait ${result.queueWaitMs} ms, attempts ${result.attempts}`);
    say(`Text:     ${result.text}`);
    say('');
    say('Workers are running. Trigger more work with `npx civicos infer --file payload.json --wait`.');
    say('Press Ctrl-C to stop.');
    await client.connection.close();
    const ended = await Promise.race([signal.then((name) => ({ name })), crashed.then((error) => ({ error }))]);
    if ('name' in ended) say(`\n${ended.name}: stopping workers, Ollama and dev server…`);
    await stopAll();
    if ('error' in ended && ended.error) throw ended.error;
    say('stopped cleanly');
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function chooseModelHost(env: PlatformEnv, logger: JsonLogger, stops: Array<() => Promise<void>>): Promise<{ host: ModelHostTarget; aliases?: Record<string, string> }> {
  const url = env.ollamaHost ?? DEFAULT_OLLAMA_URL;
  if (env.ollamaMode !== 'simulator') {
    const real = await probeOllama(url);
    if (real) {
      say(`Ollama:   real Ollama ${real.version} at ${url} (${real.models.length} models)`);
      return { host: { name: 'local', url, slots: env.modelSlots, simulated: false } };
    }
    const own = await startProjectOllama(env, logger, stops);
    if (own) return own;
    if (env.ollamaMode === 'real') throw new Error(`CIVICOS_OLLAMA_MODE=real but no Ollama answers at ${url}. Fix: start Ollama or set OLLAMA_HOST`);
  }
  const simulator = await startOllamaSimulator({ parallel: env.modelSlots, ttftMs: 150, tokensPerSecond: 60 });
  stops.push(() => simulator.close());
  say(`Ollama:   SIMULATED (no real Ollama answered at ${url}); simulator at ${simulator.url}`);
  logger.warn('using the Ollama simulator: replies are synthetic', { url: simulator.url });
  return { host: { name: 'simulator', url: simulator.url, slots: env.modelSlots, simulated: true } };
}

/**
 * The project's own real Ollama (deploy/ollama/) with the tiny model and the demo routing profile,
 * when its binary is already built: never starts the ~10-minute build from here.
 */
async function startProjectOllama(env: PlatformEnv, logger: JsonLogger, stops: Array<() => Promise<void>>): Promise<{ host: ModelHostTarget; aliases: Record<string, string> } | undefined> {
  const binary = findOllamaBinary();
  if (!binary) return undefined;
  let server: Awaited<ReturnType<typeof startRealOllama>> | undefined;
  try {
    server = await startRealOllama({ binary, parallel: env.modelSlots });
    await installTinyModel(server);
    stops.push(server.stop);
    say(`Ollama:   ${describeRealOllama(server)} at ${server.url}, demo profile: all aliases → ${DEMO_ROUTING_PROFILE.model}`);
    logger.info('started the project\'s real Ollama with the demo routing profile', { url: server.url, binary: binary.path, log: server.logFile, aliases: DEMO_ROUTING_PROFILE.aliases });
    return { host: { name: 'local', url: server.url, slots: env.modelSlots, simulated: false }, aliases: { ...DEMO_ROUTING_PROFILE.aliases } };
  } catch (error) {
    await server?.stop();
    logger.warn('the project\'s real Ollama could not be started; using the simulator', { binary: binary.path, error: (error as Error).message });
    return undefined;
  }
}
