import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './ports';
import { descendantsOf, processRecord, stillRunning, type ProcessRecord } from './processTree';
import { readStackRecord, removeStackRecord, stackRecordFile, writeStackRecord } from './stackRecords';

let started: Promise<ChildProcess> | undefined;

/**
 * Starts, once per process, the watchdog (stackGuardMain.ts) that stops everything this process
 * started if it dies without stopping it: SIGKILL, a crash, an exit past its clean-up. Every stack
 * calls it before it spawns anything; it resolves once the watchdog records this process's children.
 */
export function guardThisProcess(): Promise<void> {
  started ??= new Promise<ChildProcess>((resolve, reject) => {
    const file = stackRecordFile(process.pid);
    const owner = processRecord(process.pid);
    if (!owner) return reject(new Error('cannot read this process in /proc: the stack guard needs Linux'));
    const event = process.env.npm_lifecycle_event;
    writeStackRecord(file, {
      command: event ? `npm run ${event} (pid ${process.pid})` : `${path.basename(process.argv[1] ?? 'node')} (pid ${process.pid})`,
      startedAt: new Date().toISOString(),
      owner,
      guard: null,
      processes: [],
    });
    // Detached: a session of its own, so the owner's terminal closing or its group being killed spares it.
    const guard = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'stackGuardMain.ts'), file], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    guard.once('error', reject);
    guard.once('exit', (code) => reject(new Error(`the stack guard exited at start (code ${code})`)));
    guard.once('message', () => {
      guard.removeAllListeners('exit');
      // Neither the process nor its IPC channel may keep the owner alive.
      guard.unref();
      guard.channel?.unref();
      resolve(guard);
    });
  });
  return started.then(() => undefined);
}

/** Every process this one started that still runs: what the guard recorded (orphans too) and a fresh look. */
export function startedProcesses(): ProcessRecord[] {
  const guardPid = readStackRecord(stackRecordFile(process.pid))?.guard?.pid;
  const byPid = new Map<number, ProcessRecord>();
  for (const p of [...(readStackRecord(stackRecordFile(process.pid))?.processes ?? []), ...descendantsOf(process.pid)]) {
    if (p.pid !== guardPid && stillRunning(p)) byPid.set(p.pid, p);
  }
  return [...byPid.values()];
}

/** The owner stopped everything itself: the guard exits without stopping anything, and the record goes. */
export async function releaseGuard(): Promise<void> {
  if (!started) return;
  const guard = await started.catch(() => null);
  started = undefined;
  if (guard?.connected && guard.exitCode === null) {
    // Held until the guard is gone (both were unref'd), so the owner cannot end before the record goes.
    guard.ref();
    const exited = new Promise((resolve) => guard.once('exit', resolve));
    guard.send('release');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
    clearTimeout(timer);
    guard.unref();
  }
  removeStackRecord(stackRecordFile(process.pid));
}
