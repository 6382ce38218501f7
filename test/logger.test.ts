import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLogSink } from '../platform/log-file';
import { JsonLogger } from '../platform/logger';
import { sdkLogger } from '../workers/telemetry';

function capture(level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  return { lines, logger: new JsonLogger({ level, sink: (line) => lines.push(line) }) };
}

describe('structured logger', () => {
  it('writes one JSON object per line with ts, level, msg and bindings', () => {
    const { lines, logger } = capture();
    logger.child({ component: 'inference-worker' }).info('ready', { slots: 2 });
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'info', msg: 'ready', component: 'inference-worker', slots: 2 });
    expect(typeof record.ts).toBe('string');
  });

  it('accepts the Temporal SDK upper-case levels and filters below the threshold', () => {
    const { lines, logger } = capture('warn');
    logger.log('INFO', 'dropped');
    logger.log('ERROR', 'kept');
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['error']);
  });

  it('redacts secrets in the message and in nested fields', () => {
    const { lines, logger } = capture();
    logger.info('calling with Bearer abcdefghijklmnopqrstuvwxyz012345', {
      request: { headers: { authorization: 'sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ123456' }, url: 'https://user:hunter2secret@db.example.org/x' },
    });
    expect(lines[0]).not.toMatch(/abcdefghijklmnop|ABCDEFGHIJKLMNOP|hunter2secret/);
    expect(lines[0]).toMatch(/\[REDACTED:bearer\]/);
    // Under a secret-named key the whole value goes, whatever its format.
    expect(lines[0]).toMatch(/"authorization":"\[REDACTED:secret_field\]"/);
    expect(lines[0]).toMatch(/\[REDACTED:url_password\]/);
  });

  it('file sink: every JSON line to the file; warnings and errors also to the terminal, one short line each', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civicos-log-'));
    try {
      const file = path.join(dir, 'logs', 'civicos.log');
      const terminal: string[] = [];
      const logger = new JsonLogger({ level: 'info', sink: fileLogSink(file, (text) => terminal.push(text)) });
      logger.info('asset workflow-bundle.js 2.98 MiB\norphan modules 473 KiB');
      logger.child({ component: 'temporal-sdk' }).warn('poll failed', { error: new Error('connection reset\nretrying'), attempt: 3 });
      logger.error('x'.repeat(500));
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { level: string });
      expect(lines.map((l) => l.level)).toEqual(['info', 'warn', 'error']);
      expect(terminal).toHaveLength(2);
      expect(terminal[0]).toBe('warn [temporal-sdk]: poll failed: connection reset retrying\n');
      expect(terminal[1]).toMatch(new RegExp(`^error: x+… \\(details in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\n$`));
      expect(terminal.join('')).not.toContain('{');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SDK logger: the expected "no workflows" warning of activity-only workers is debug; other warnings stay warnings', () => {
    const { lines, logger } = capture('debug');
    const sdk = sdkLogger(logger);
    sdk.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'civicos-inference-prod' });
    sdk.log('WARN', 'Task not found when completing');
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['debug', 'warn']);
  });
});
