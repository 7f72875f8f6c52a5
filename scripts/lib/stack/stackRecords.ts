import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './ports';
import { stillRunning, stopProcesses, type ProcessRecord } from './processTree';

/** Where each running stack's owner records what it started (pid files), so a later start can find leftovers. */
export const STACKS_DIR = path.join(REPO_ROOT, '.data', 'stacks');

const processSchema = z.object({ pid: z.number().int(), ppid: z.number().int(), pgid: z.number().int(), startTime: z.number(), cmdline: z.string() });

const stackRecordSchema = z.object({
  /** What started it: `npm start`, `npm run test:emulators`, a spec's pid … */
  command: z.string(),
  startedAt: z.string(),
  owner: processSchema,
  guard: processSchema.nullable(),
  /** Every process below the owner the guard has seen, orphans included (firebase-tools leaves the Pub/Sub JVM). */
  processes: z.array(processSchema),
});

export type StackRecord = z.infer<typeof stackRecordSchema>;

export const stackRecordFile = (ownerPid: number) => path.join(STACKS_DIR, `${ownerPid}.json`);

/** Written whole and renamed into place, so a reader never sees half a record. */
export function writeStackRecord(file: string, record: StackRecord): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(record, null, 2));
  renameSync(temporary, file);
}

export function readStackRecord(file: string): StackRecord | null {
  try {
    return stackRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

export function removeStackRecord(file: string): void {
  rmSync(file, { force: true });
}

/** Every stack record on this checkout, with whether its owner still runs. */
export function listStacks(): Array<{ file: string; record: StackRecord; live: boolean }> {
  let files: string[] = [];
  try {
    files = readdirSync(STACKS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    const file = path.join(STACKS_DIR, f);
    const record = readStackRecord(file);
    return record ? [{ file, record, live: stillRunning(record.owner) || (record.guard !== null && stillRunning(record.guard)) }] : [];
  });
}

/**
 * Stops what earlier stacks of this checkout left running: stacks whose owner and guard are both gone
 * (a machine that lost power, a guard killed with its owner). Only recorded processes that are still
 * the same processes (pid and start time) are signalled. Returns what it stopped, for the caller to say.
 */
export async function stopLeftoverStacks(): Promise<Array<{ command: string; stopped: ProcessRecord[] }>> {
  const reports: Array<{ command: string; stopped: ProcessRecord[] }> = [];
  for (const { file, record } of listStacks()) {
    if (stillRunning(record.owner)) continue;
    // The owner is gone and its guard is stopping what it left: give it the time its grace takes.
    const deadline = Date.now() + 10_000;
    while (record.guard && stillRunning(record.guard) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const running = record.processes.filter(stillRunning);
    await stopProcesses(running);
    removeStackRecord(file);
    if (running.length > 0) reports.push({ command: record.command, stopped: running });
  }
  return reports;
}

/** The running stack of this checkout that holds `pid`, if any. */
export function stackHolding(pid: number): StackRecord | null {
  for (const { record, live } of listStacks()) {
    if (live && (record.owner.pid === pid || record.processes.some((p) => p.pid === pid && stillRunning(p)))) return record;
  }
  return null;
}
