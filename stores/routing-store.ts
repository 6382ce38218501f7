import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ROUTING_MATRIX } from '../config/routing-default';
import { validateRoutingMatrix, type RoutingMatrix } from '../common/routing-matrix';
import { ProblemsError } from '../common/failures';
import { appendJsonLineSync, parseJsonLines, writeFileAtomicSync } from './files';

export class RoutingMatrixError extends ProblemsError {
  override readonly name = 'RoutingMatrixError';
  constructor(problems: string[]) {
    super('routing matrix refused', problems);
  }
}

interface Pointer {
  /** Versions that were current, oldest first; the last is in force. */
  stack: number[];
  updatedAt: string;
  by: string;
}

export interface RoutingEvent {
  ts: string;
  action: 'seed' | 'set' | 'rollback';
  version: number;
  previous: number | null;
  by: string;
}

/**
 * Versions of the routing matrix with their history and a current pointer. Embedded default:
 * files under `<data>/routing/` — `versions/<n>.json` (never rewritten), `current.json` (the
 * pointer, replaced atomically) and `history.jsonl` (append-only).
 */
export class RoutingStore {
  private readonly dir: string;
  /** Validated versions (files are never rewritten; the mtime guards against a hand edit). Shared: read-only. */
  private readonly versions = new Map<number, { mtimeMs: number; matrix: RoutingMatrix }>();
  /** current.json as last parsed, with the stat it had then (the pointer is shared with callers: read-only). */
  private parsedPointer: { stamp: string; pointer: Pointer } | undefined;
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'routing');
  }

  current(): { version: number; matrix: RoutingMatrix } {
    const pointer = this.pointer() ?? this.seed();
    const version = pointer.stack[pointer.stack.length - 1]!;
    return { version, matrix: this.read(version) };
  }

  /** Validates, then writes a new version and points to it. A refused matrix changes nothing. */
  set(input: unknown, by: string): { version: number; previous: number } {
    const before = this.current();
    const candidate = typeof input === 'object' && input !== null ? { ...input, version: this.nextVersion() } : input;
    const validation = validateRoutingMatrix(candidate);
    if (!validation.ok) throw new RoutingMatrixError(validation.problems);
    const version = validation.value.version;
    writeFileAtomicSync(path.join(this.dir, 'versions', `${version}.json`), JSON.stringify(validation.value, null, 2));
    const pointer = this.pointer()!;
    this.writePointer({ stack: [...pointer.stack, version], updatedAt: new Date().toISOString(), by });
    this.event({ action: 'set', version, previous: before.version, by });
    return { version, previous: before.version };
  }

  /** Points back to the version in force before the current one. */
  rollback(by: string): { version: number; from: number } {
    const pointer = this.pointer() ?? this.seed();
    if (pointer.stack.length < 2) throw new RoutingMatrixError([`current: version ${pointer.stack[0]} is the first version; there is nothing to roll back to`]);
    const from = pointer.stack[pointer.stack.length - 1]!;
    const stack = pointer.stack.slice(0, -1);
    const version = stack[stack.length - 1]!;
    this.read(version); // refuse to point at a version that no longer validates
    this.writePointer({ stack, updatedAt: new Date().toISOString(), by });
    this.event({ action: 'rollback', version, previous: from, by });
    return { version, from };
  }

  /** Points at an existing version again (e.g. a promotion re-applied after its rollback test). */
  reapply(version: number, by: string): { version: number; previous: number } {
    const before = this.current();
    this.read(version);
    const pointer = this.pointer()!;
    this.writePointer({ stack: [...pointer.stack, version], updatedAt: new Date().toISOString(), by });
    this.event({ action: 'set', version, previous: before.version, by });
    return { version, previous: before.version };
  }

  history(): RoutingEvent[] {
    try {
      return parseJsonLines<RoutingEvent>(fs.readFileSync(path.join(this.dir, 'history.jsonl'), 'utf8'));
    } catch {
      return [];
    }
  }

  /** A version's matrix, validated once per process (a version file is never rewritten). */
  private read(version: number): RoutingMatrix {
    const file = path.join(this.dir, 'versions', `${version}.json`);
    const mtimeMs = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    const cached = this.versions.get(version);
    if (cached && cached.mtimeMs === mtimeMs) return cached.matrix;
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new RoutingMatrixError([`${file}: unreadable or not JSON (${(error as Error).message}); run \`civicos routing rollback\` or \`civicos routing set <file>\``]);
    }
    const validation = validateRoutingMatrix(raw);
    if (!validation.ok) throw new RoutingMatrixError(validation.problems.map((p) => `${file}: ${p}`));
    if (mtimeMs !== undefined) this.versions.set(version, { mtimeMs, matrix: validation.value });
    return validation.value;
  }

  private nextVersion(): number {
    let max = 0;
    try {
      for (const file of fs.readdirSync(path.join(this.dir, 'versions'))) max = Math.max(max, Number.parseInt(file, 10) || 0);
    } catch {
      // no versions yet
    }
    return max + 1;
  }

  /**
   * The pointer in force, read again only when current.json changed: every model call of an
   * inference worker asks, and another process (`civicos routing set`) may have moved it. A write
   * replaces the file (a new inode), so its stat says whether the parsed copy is still the file's.
   */
  private pointer(): Pointer | undefined {
    const file = path.join(this.dir, 'current.json');
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return undefined;
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
    if (this.parsedPointer?.stamp === stamp) return this.parsedPointer.pointer;
    try {
      const pointer = JSON.parse(fs.readFileSync(file, 'utf8')) as Pointer;
      this.parsedPointer = { stamp, pointer };
      return pointer;
    } catch {
      return undefined;
    }
  }

  private seed(): Pointer {
    const validation = validateRoutingMatrix(DEFAULT_ROUTING_MATRIX);
    if (!validation.ok) throw new RoutingMatrixError(validation.problems);
    writeFileAtomicSync(path.join(this.dir, 'versions', '1.json'), JSON.stringify(validation.value, null, 2));
    const pointer = { stack: [1], updatedAt: new Date().toISOString(), by: 'seed' };
    this.writePointer(pointer);
    this.event({ action: 'seed', version: 1, previous: null, by: 'seed' });
    return pointer;
  }

  private writePointer(pointer: Pointer): void {
    writeFileAtomicSync(path.join(this.dir, 'current.json'), JSON.stringify(pointer));
  }

  private event(event: Omit<RoutingEvent, 'ts'>): void {
    appendJsonLineSync(path.join(this.dir, 'history.jsonl'), { ts: new Date().toISOString(), ...event });
  }
}
