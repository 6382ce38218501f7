import { AesGcmPayloadCodec, CodecKeyError, resolveCodecKeys, startCodecServer, type CodecServer } from '../../platform/codec';
import { ConfigError, type PlatformEnv } from '../../platform/env';
import { CliUsageError, type RegisterCommand } from './context';
import { untilSignal } from './worker';

/** The Web UI's origins for a UI port (the browser may use either spelling of loopback). */
export function uiOriginsFor(uiPort: number): string[] {
  return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
}

/**
 * The codec server with this process's keys (CIVICOS_CODEC_KEYS, else the dev key in the data
 * directory, generated when `generateDevKey`). `fallbackToFreePort`: a busy port is replaced by a
 * free one (npm start, dev-server: they tell the UI the URL); otherwise a busy port is an error.
 */
export async function startProjectCodecServer(
  env: Pick<PlatformEnv, 'codecKeys' | 'dataDir'>,
  options: { port: number; uiOrigins: string[]; generateDevKey?: boolean; fallbackToFreePort?: boolean },
): Promise<{ server: CodecServer; keys: { source: string; current: string; generated: boolean } }> {
  let keys;
  try {
    keys = resolveCodecKeys(env.codecKeys, env.dataDir, { generateDevKey: options.generateDevKey });
  } catch (error) {
    throw error instanceof CodecKeyError ? new ConfigError(error.problems) : error;
  }
  const codec = new AesGcmPayloadCodec(keys);
  let server: CodecServer;
  try {
    server = await startCodecServer({ codec, uiOrigins: options.uiOrigins, port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (!options.fallbackToFreePort) throw new CliUsageError(`port ${options.port} is in use. Fix: --port <free port> (or CIVICOS_CODEC_PORT)`);
    server = await startCodecServer({ codec, uiOrigins: options.uiOrigins, port: 0 });
  }
  return { server, keys: { source: keys.source, current: keys.current, generated: keys.generated } };
}

/** One line for npm start / dev-server: which key encrypts, and whether it is a generated dev key. */
export function describeCodecKeys(keys: { source: string; current: string; generated: boolean }): string {
  if (keys.source === 'CIVICOS_CODEC_KEYS') return `Codec:    payloads encrypted (AES-256-GCM) with key "${keys.current}" from CIVICOS_CODEC_KEYS`;
  return `Codec:    payloads encrypted (AES-256-GCM) with a DEV key ${keys.generated ? 'generated into' : 'read out of'} ${keys.source} (set CIVICOS_CODEC_KEYS for real keys)`;
}

/** `civicos codec-server [--port] [--ui-origin]`: decodes payloads for the Web UI (Temporal's remote codec protocol). */
export const registerCodecServer: RegisterCommand = (program, ctx) => {
  program
    .command('codec-server')
    .description('Serve POST /encode and /decode for the Web UI (payloads are AES-256-GCM encrypted in history); CORS: the UI origin only')
    .option('--port <port>', 'port on 127.0.0.1 (default CIVICOS_CODEC_PORT, 8081)')
    .option('--ui-origin <origins>', 'comma-separated origins allowed to call it (default: the Web UI at CIVICOS_TEMPORAL_UI_PORT)')
    .action(async (options: { port?: string; uiOrigin?: string }) => {
      const env = ctx.env();
      const port = options.port === undefined ? env.codecPort : Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port ${JSON.stringify(options.port)}: expected a port number 0..65535`);
      const uiOrigins = options.uiOrigin === undefined ? uiOriginsFor(env.uiPort) : options.uiOrigin.split(',').map((o) => o.trim());
      const bad = uiOrigins.find((origin) => !/^https?:\/\/[^/\s]+$/.test(origin));
      if (bad !== undefined) throw new CliUsageError(`--ui-origin ${JSON.stringify(bad)}: expected an origin such as http://127.0.0.1:8233 (scheme, host, port; no path)`);
      const { server, keys } = await startProjectCodecServer(env, { port, uiOrigins });
      process.stdout.write(`codec server at ${server.url} (keys from ${keys.source}, encrypting with "${keys.current}"); allowed origins: ${uiOrigins.join(', ')}\nPress Ctrl-C to stop.\n`);
      await untilSignal();
      await server.close();
    });
};
