import { Ollama } from 'ollama';

/** The default Ollama address, as the Ollama CLI itself uses it. Only this folder names it. */
export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';

/** Asks an Ollama host for its version; `undefined` when nothing answers within the timeout. */
export async function probeOllama(url: string, timeoutMs = 1_500): Promise<{ version: string; models: string[] } | undefined> {
  const client = new Ollama({ host: url, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }) });
  try {
    const { version } = await client.version();
    const { models } = await client.list();
    return { version, models: models.map((m) => m.name) };
  } catch {
    return undefined;
  }
}

/** True when the host answers GET /api/version within the timeout (a liveness check; loads nothing). */
export async function hostAnswers(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Ollama({ host: url, fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }) });
  try {
    await client.version();
    return true;
  } catch {
    return false;
  }
}
