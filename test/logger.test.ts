import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../common/logger';

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
    expect(lines[0]).toMatch(/\[REDACTED:openai_key\]/);
    expect(lines[0]).toMatch(/\[REDACTED:url_password\]/);
  });
});
