import type { ModelHostTarget } from '../activities';
import { DEFAULT_OLLAMA_URL } from '../activities/inference/probe';
import type { PlatformEnv } from '../platform/env';

/** The model hosts this process serves: CIVICOS_MODEL_HOSTS, else OLLAMA_HOST with CIVICOS_MODEL_SLOTS. */
export function configuredModelHosts(env: PlatformEnv): ModelHostTarget[] {
  if (env.modelHosts) return env.modelHosts.map((host) => ({ name: host.name, url: host.url, slots: host.slots, simulated: false, reservedForProd: host.reservedForProd }));
  return [{ name: 'local', url: env.ollamaHost ?? DEFAULT_OLLAMA_URL, slots: env.modelSlots, simulated: false }];
}
