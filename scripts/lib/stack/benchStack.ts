import { migrate } from '../migrate/migrator';
import { createScratchDatabase } from '../migrate/scratchDatabase';
import { createAppClient, type AppClient, type AppClientOptions } from './appClient';
import { buildFunctions } from './buildFunctions';
import type { EmulatorMode } from './emulatorMode';
import { startEmulatorStack, type EmulatorStack } from './emulatorStack';
import { freeEmulatorPorts, type EmulatorPorts } from './ports';
import { superviseExit } from './superviseExit';

/** What a benchmark through the emulators runs on: its own scratch database and stack on free ports. */
export interface BenchStack {
  stack: EmulatorStack;
  ports: EmulatorPorts;
  databaseName: string;
  /** A signed-out app on this stack, closed with the stack. */
  client(name: string): AppClient;
  /** Stops what it started, once, in reverse order: clients, emulators (by pid), the database. */
  stop(): Promise<void>;
}

/**
 * Builds the functions and starts a stack for a benchmark on a scratch database of `serverUrl`.
 * However the benchmark ends (a signal, a hang-up, its npm killed, a crash), what it started stops.
 */
export async function startBenchStack(options: {
  serverUrl: string;
  prefix: string;
  mode: EmulatorMode;
  firestore?: boolean;
  env?: Record<string, string>;
  onLine?: (line: string) => void;
}): Promise<BenchStack> {
  const clients: AppClient[] = [];
  const started: { stack?: EmulatorStack; drop?: () => Promise<void> } = {};
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await started.stack?.stop().catch(() => {});
      await started.drop?.().catch(() => {});
    })());
  superviseExit().onStop(stop);
  try {
    buildFunctions();
    const scratch = await createScratchDatabase(options.serverUrl, options.prefix);
    started.drop = scratch.drop;
    await migrate(scratch.url);
    const ports = await freeEmulatorPorts();
    const stack = await startEmulatorStack({
      mode: options.mode,
      ports,
      databaseUrl: scratch.url,
      // The per-user rate limit would refuse a benchmark's steady stream: raised explicitly, here only.
      params: { ACCEPT_RATE_PER_MINUTE: '1000000', ACCEPT_RATE_BURST: '1000000' },
      env: options.env,
      onLine: options.onLine,
    });
    started.stack = stack;
    const clientOptions: Omit<AppClientOptions, 'name'> = { authPort: ports.auth, functionsPort: ports.functions, firestorePort: options.firestore ? ports.firestore : null };
    return {
      stack,
      ports,
      databaseName: scratch.name,
      client(name) {
        const client = createAppClient({ ...clientOptions, name });
        clients.push(client);
        return client;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
