import { DEFAULT_ALIASES } from '../../common/inference';

export function resolveModel(requested: string, aliases: Record<string, string> = DEFAULT_ALIASES): string {
  return aliases[requested] ?? requested;
}
