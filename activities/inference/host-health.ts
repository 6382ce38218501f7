import type { JsonLogger } from '../../platform/logger';
import { hostAnswers } from './probe';

export interface HostHealthOptions {
  host: { name: string; url: string };
  logger: JsonLogger;
  /** Called once per outage, when the host is first seen down. */
  onDown?(event: { host: string; since: Date; reason: string }): void;
  /** Called when a probe finds the host back. */
  onUp?(event: { host: string; since: Date; downForMs: number }): void;
  /** Liveness probe timeout (default 2.5 s). */
  probeTimeoutMs?: number;
  /** Probe backoff while down: first and longest delay (default 0.5 s → 2 s; a probe is one cheap GET). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The inference worker's view of its model host: up, or down since when. A call that finds the
 * host refusing or silent asks `confirmDown`; a liveness probe decides (a request-specific error on
 * a host that answers is not an outage). While down, the host is probed with backoff until it
 * answers again. Only this folder talks to Ollama, so the probe lives here.
 */
export class HostHealth {
  private downSince: Date | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<(down: boolean) => void>();

  constructor(private readonly options: HostHealthOptions) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  get since(): Date | undefined {
    return this.downSince;
  }

  /** Follows up/down changes (the slot budget stops granting slots while down). */
  onChange(listener: (down: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One liveness probe. */
  answers(timeoutMs = this.options.probeTimeoutMs ?? 2_500): Promise<boolean> {
    return hostAnswers(this.options.host.url, timeoutMs);
  }

  /** A call failed as an outage would: true when the host is (now) marked down. */
  async confirmDown(reason: string): Promise<boolean> {
    if (this.down) return true;
    if (await this.answers()) return false;
    this.markDown(reason);
    return true;
  }

  /** Marks the host down (a hang the caller already confirmed) and starts probing for its return. */
  markDown(reason: string): void {
    if (this.down || this.stopped) return;
    const since = new Date();
    this.downSince = since;
    this.options.logger.error('model host down: no new work is taken for it until it answers again', { host: this.options.host.name, since: since.toISOString(), reason });
    this.options.onDown?.({ host: this.options.host.name, since, reason });
    for (const listener of this.listeners) listener(true);
    this.probeLater(this.options.minBackoffMs ?? 500);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private probeLater(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.answers().then((up) => {
        if (this.stopped) return;
        if (!up) return this.probeLater(Math.min(delayMs * 2, this.options.maxBackoffMs ?? 2_000));
        const since = this.downSince!;
        this.downSince = undefined;
        const downForMs = Date.now() - since.getTime();
        this.options.logger.warn('model host back: taking work again', { host: this.options.host.name, since: since.toISOString(), downForMs });
        this.options.onUp?.({ host: this.options.host.name, since, downForMs });
        for (const listener of this.listeners) listener(false);
      });
    }, delayMs);
  }
}
