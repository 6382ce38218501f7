import type { HostHealth } from './host-health';

export type Stall = 'first_token' | 'inter_token' | 'host_hung';

/**
 * Tokens heartbeat at most this often, the first only once the call has run this long. The SDK
 * encodes (and encrypts) every heartbeat it takes up and sends the first at once (a server round
 * trip and a write of the run's state), while a short call's heartbeat is read by nobody: the
 * heartbeat timeout (15 s) and cancellation (within a second) only need one from a long call. The
 * price: a worker killed in a call's first 200 ms leaves its retry no details, so the retry records
 * that lost attempt with host `unknown` and 0 tokens.
 */
export const TOKEN_HEARTBEAT_INTERVAL_MS = 200;

export interface WatchdogOptions {
  firstTokenTimeoutMs: number;
  interTokenTimeoutMs: number;
  /** While no token arrives, the host is probed this often; its answers are the progress heartbeats. */
  probeIntervalMs: number;
  /** Probes in a row without an answer before the host counts as hung (default 2). */
  failedProbesForHang?: number;
  health?: HostHealth;
  /** Called on progress: a token, or a probe the host answered while the call waits. */
  heartbeat(phase: 'waiting-for-model' | 'streaming'): void;
}

/**
 * Watches one streaming model call. A heartbeat means progress (a token, or the host answering a
 * liveness probe while it loads the model or evaluates the prompt), never just "still waiting", so
 * Temporal's heartbeat timeout notices a dead worker and these deadlines notice a hung host: no
 * first token in time, no next token in time, or probes unanswered. `signal` aborts the call.
 */
export class CallWatchdog {
  private readonly controller = new AbortController();
  private readonly startedAt = Date.now();
  private lastProgress = this.startedAt;
  private lastProbe = this.startedAt;
  private lastTokenHeartbeat = this.startedAt;
  private tokens = 0;
  private probing = false;
  private failedProbes = 0;
  private readonly timer: NodeJS.Timeout;
  stall: Stall | undefined;

  constructor(private readonly options: WatchdogOptions) {
    const tick = Math.max(50, Math.min(500, options.probeIntervalMs / 2));
    this.timer = setInterval(() => this.check(), tick);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  token(): void {
    this.tokens += 1;
    this.lastProgress = Date.now();
    this.failedProbes = 0;
    if (this.lastProgress - this.lastTokenHeartbeat < TOKEN_HEARTBEAT_INTERVAL_MS) return;
    this.lastTokenHeartbeat = this.lastProgress;
    this.options.heartbeat('streaming');
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private halt(stall: Stall): void {
    if (this.stall) return;
    this.stall = stall;
    this.stop();
    this.controller.abort(new Error(`model call stalled: ${stall}`));
  }

  private check(): void {
    const now = Date.now();
    if (this.tokens === 0 && now - this.startedAt > this.options.firstTokenTimeoutMs) return this.halt('first_token');
    if (this.tokens > 0 && now - this.lastProgress > this.options.interTokenTimeoutMs) return this.halt('inter_token');
    const { health } = this.options;
    if (!health || this.probing || now - this.lastProgress < this.options.probeIntervalMs || now - this.lastProbe < this.options.probeIntervalMs) return;
    this.probing = true;
    this.lastProbe = now;
    void health
      .answers(Math.min(this.options.probeIntervalMs, 2_500))
      .then((up) => {
        if (this.stall) return;
        if (up) {
          this.failedProbes = 0;
          this.options.heartbeat(this.tokens === 0 ? 'waiting-for-model' : 'streaming');
          return;
        }
        this.failedProbes += 1;
        if (this.failedProbes >= (this.options.failedProbesForHang ?? 2)) {
          health.markDown(`no answer to liveness probes while a call waited ${Math.round((Date.now() - this.lastProgress) / 1000)} s for a token (hung)`);
          this.halt('host_hung');
        }
      })
      .finally(() => {
        this.probing = false;
      });
  }
}
