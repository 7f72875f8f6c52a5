import { spawn, type SpawnOptions } from 'node:child_process';
import readline from 'node:readline';

/** A child started in its own process group, so that stopping it also stops what it spawned. */
export interface ProcessGroup {
  pid: number;
  name: string;
  /** The last lines it printed, for error messages. */
  tail(): string;
  exited(): boolean;
  /** Resolves when it prints a matching line; rejects when it exits first or the time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** `signal` (SIGTERM) to the whole group, SIGKILL after `graceMs`; resolves when the leader exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function spawnGroup(name: string, command: string, args: string[], options: SpawnOptions & { onLine?: (line: string) => void }): ProcessGroup {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      hasExited = true;
      resolve();
    };
    child.once('exit', done);
    child.once('error', (error) => {
      lines.push(`${name}: ${error.message}`);
      done();
    });
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      options.onLine?.(line);
      for (const listener of listeners) listener(line);
    });
  }
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  const tail = () => lines.slice(-40).join('\n');
  return {
    pid: child.pid ?? -1,
    name,
    tail,
    exited: () => hasExited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (error) reject(error);
          else resolve();
        };
        const listener = (line: string) => pattern.test(line) && finish();
        const timer = setTimeout(() => finish(new Error(`${name} not ready after ${timeoutMs} ms:\n${tail()}`)), timeoutMs);
        listeners.add(listener);
        void exit.then(() => finish(new Error(`${name} exited before it was ready:\n${tail()}`)));
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!hasExited) {
        signalGroup(signal);
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exit;
        clearTimeout(timer);
      }
      // Workers the leader left behind in its group.
      signalGroup('SIGKILL');
    },
  };
}
