import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { type WriteOutputInput, type WriteOutputResult } from '../common/civic-activities';
import { CIVIC_FAILURE } from '../common/failures';
import { writeFileAtomic } from './files';

/** What `latest.json` of a workflow holds: the newest run's files, relative to the outputs root. */
export interface LatestPointer {
  workflow: string;
  workflowId: string;
  date: string;
  markdown: string;
  json: string;
}

export function outputsRoot(dataDir: string): string {
  return path.join(dataDir, 'outputs');
}

/** A workflow ID as a file name: kept readable, never a path. */
export function outputFileStem(workflowId: string): string {
  return workflowId.replace(/[^A-Za-z0-9._:-]/g, '_').replace(/^\.+/, '_');
}

/**
 * Writes `<outputs>/<dir>/<date>/<workflowId>.{md,json}` and replaces `<outputs>/<dir>/latest.json`.
 * Every write is a temp file renamed into place, so a reader never sees half a file. A file that
 * already holds the same bytes is left alone: a rerun (or an activity retry) changes nothing.
 */
export async function writeOutputFiles(dataDir: string, input: WriteOutputInput): Promise<WriteOutputResult> {
  if (!/^[a-z][a-z0-9-]*$/.test(input.dir) || !/^\d{4}-\d{2}-\d{2}$/.test(input.date)) {
    throw ApplicationFailure.nonRetryable(`output location refused: dir "${input.dir}", date "${input.date}"`, CIVIC_FAILURE.invalidInput);
  }
  const root = outputsRoot(dataDir);
  const stem = outputFileStem(input.workflowId);
  const markdownPath = path.posix.join(input.dir, input.date, `${stem}.md`);
  const jsonPath = path.posix.join(input.dir, input.date, `${stem}.json`);
  const latestPath = path.posix.join(input.dir, 'latest.json');
  await fs.promises.mkdir(path.join(root, input.dir, input.date), { recursive: true });

  const wroteMarkdown = await writeIfChanged(path.join(root, markdownPath), input.markdown.endsWith('\n') ? input.markdown : `${input.markdown}\n`);
  const wroteJson = await writeIfChanged(path.join(root, jsonPath), `${JSON.stringify(input.data, null, 2)}\n`);

  const pointer: LatestPointer = { workflow: input.workflow, workflowId: input.workflowId, date: input.date, markdown: markdownPath, json: jsonPath };
  const current = await readLatest(path.join(root, latestPath));
  // A backfill of an older date must not move `latest` backwards.
  const newer = !current || `${pointer.date}\u0000${pointer.workflowId}` >= `${current.date}\u0000${current.workflowId}`;
  const latestUpdated = newer ? await writeIfChanged(path.join(root, latestPath), `${JSON.stringify(pointer, null, 2)}\n`) : false;
  return { markdownPath, jsonPath, latestPath, unchanged: !wroteMarkdown && !wroteJson, latestUpdated };
}

/** Atomically replaces `file` with `content` unless it already holds exactly that; true when it wrote. */
export async function writeIfChanged(file: string, content: string): Promise<boolean> {
  try {
    if ((await fs.promises.readFile(file, 'utf8')) === content) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writeFileAtomic(file, content);
  return true;
}

export async function readLatest(file: string): Promise<LatestPointer | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as LatestPointer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}
