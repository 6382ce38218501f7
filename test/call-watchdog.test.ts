import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { CallWatchdog, TOKEN_HEARTBEAT_INTERVAL_MS } from '../activities/inference/call-watchdog';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('a call shorter than the interval never heartbeats; a longer one heartbeats once per interval', () => {
  const beats: string[] = [];
  const watchdog = new CallWatchdog({ firstTokenTimeoutMs: 60_000, interTokenTimeoutMs: 60_000, probeIntervalMs: 3_000, heartbeat: (phase) => beats.push(phase) });
  try {
    for (let i = 0; i < 16; i++) watchdog.token();
    expect(beats).toEqual([]);
    vi.advanceTimersByTime(TOKEN_HEARTBEAT_INTERVAL_MS - 1);
    watchdog.token();
    expect(beats).toEqual([]);
    vi.advanceTimersByTime(1);
    watchdog.token();
    watchdog.token();
    expect(beats).toEqual(['streaming']);
    vi.advanceTimersByTime(TOKEN_HEARTBEAT_INTERVAL_MS);
    watchdog.token();
    expect(beats).toEqual(['streaming', 'streaming']);
  } finally {
    watchdog.stop();
  }
});

it('a stream still counts as progress between heartbeats: no inter-token stall while tokens arrive', () => {
  const watchdog = new CallWatchdog({ firstTokenTimeoutMs: 1_000, interTokenTimeoutMs: 500, probeIntervalMs: 3_000, heartbeat: () => undefined });
  try {
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(100);
      watchdog.token();
    }
    expect(watchdog.stall).toBeUndefined();
    vi.advanceTimersByTime(1_000);
    expect(watchdog.stall).toBe('inter_token');
  } finally {
    watchdog.stop();
  }
});
