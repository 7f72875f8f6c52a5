import path from 'node:path';
import { killNow, processRecord, stillRunning, stopProcesses, type ProcessRecord } from './processTree';
import { releaseGuard, startedProcesses } from './stackGuard';

export interface ExitSupervisor {
  /** Registers a clean-up; clean-ups run once, the latest registered first, however the process ends. */
  onStop(cleanup: () => Promise<unknown>): void;
  /** Runs the clean-ups, stops whatever they left running, and exits with `code`. Later calls wait for the first. */
  exit(code: number): Promise<never>;
}

const SIGNAL_CODES = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
const WATCH_EVERY_MS = 500;

/**
 * How a command that starts a stack (npm start, test:emulators, the benchmarks) ends: on SIGINT,
 * SIGTERM or SIGHUP, when a process that launched it dies (`kill <npm pid>` reaches neither tsx nor
 * this script), and, as a last resort, on any exit, where whatever this process started is killed
 * synchronously. Install it before starting anything; register each clean-up as its part starts.
 */
export function superviseExit(log: (line: string) => void = (line) => console.error(line)): ExitSupervisor {
  const cleanups: Array<() => Promise<unknown>> = [];
  let exiting: Promise<never> | undefined;
  // After a hang-up the terminal is gone: a write to it must not crash the clean-up.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const say = (line: string) => {
    try {
      log(line);
    } catch {
      // no terminal left
    }
  };

  const exit = (code: number): Promise<never> =>
    (exiting ??= (async () => {
      clearInterval(watch);
      for (const cleanup of [...cleanups].reverse()) await cleanup().catch((error: Error) => say(`clean-up failed: ${error.message}`));
      await stopProcesses(startedProcesses());
      await releaseGuard();
      process.exit(code);
    })());

  for (const [signal, code] of Object.entries(SIGNAL_CODES)) {
    process.on(signal, () => {
      if (!exiting) say(`\n${signal}: stopping everything this command started…`);
      void exit(code);
    });
  }
  const launchers = launcherChain();
  const watch = setInterval(() => {
    const gone = launchers.find((p) => !stillRunning(p));
    if (gone && !exiting) {
      say(`the process that launched this one (pid ${gone.pid}, ${gone.cmdline}) is gone: stopping everything this command started…`);
      void exit(1);
    }
  }, WATCH_EVERY_MS);
  watch.unref();
  process.on('exit', () => killNow(startedProcesses()));

  return { onStop: (cleanup) => void cleanups.push(cleanup), exit };
}

/**
 * The processes between this script and the command a person or CI typed: tsx, the `sh -c` npm runs
 * scripts in, and npm itself. Above the first npm (or the first process that is none of these: a
 * shell, CI's runner) nothing is watched: a shell that exits after `nohup npm start &` ends nothing.
 */
function launcherChain(): ProcessRecord[] {
  const chain: ProcessRecord[] = [];
  for (let p = processRecord(process.ppid); p && p.pid > 1; p = processRecord(p.ppid)) {
    const argv0 = path.basename(p.cmdline.split(' ')[0] ?? '');
    const npm = /^(npm|npx)( |$)/.test(p.cmdline) || /\/(npm|npx)-cli\.js/.test(p.cmdline);
    if (!npm && !['node', 'sh', 'dash', 'tsx'].includes(argv0)) break;
    chain.push(p);
    if (npm) break;
  }
  return chain;
}
