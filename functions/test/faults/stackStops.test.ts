import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { descendantsOf, processRecord, stillRunning, tcpListeners, type ProcessRecord } from '../../../scripts/lib/stack/processTree';
import { portInUse } from '../../../scripts/lib/stack/ports';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

// Whichever way a command that starts the local stack ends, nothing it started outlives it: not the
// Firestore and Pub/Sub JVMs, not firebase-tools and its function workers, not its watchdog, and every
// port it listened on can be bound again. npm start is ended from outside with each signal a terminal,
// CI or a person sends to the top process (npm) alone, once during its start-up, and once by killing the
// script itself so it can clean nothing up; test:emulators once ends on its own with a failing spec.

const ROOT = path.resolve(__dirname, '../../..');
const GONE_WITHIN_MS = 15_000;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 1 });
});
afterAll(async () => {
  await db?.close();
});

/** A command as a terminal runs it: its own process group, output collected, every process below it recorded as it appears. */
function run(args: string[]) {
  const child = spawn('npm', args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: db.url, METADATA_SERVER_DETECTION: 'none' },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const seen = new Map<number, ProcessRecord>();
  const ports = new Set<number>();
  const record = () => {
    const below = descendantsOf(child.pid!);
    for (const p of below) seen.set(p.pid, p);
    const pids = new Set(below.map((p) => p.pid));
    for (const { port, holder } of tcpListeners()) if (pids.has(holder.pid)) ports.add(port);
  };
  const recorder = setInterval(record, 200);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    exited,
    /** Resolves when `done` holds for what the command printed and started, or fails after `timeoutMs`. */
    async until(done: (output: string, below: ProcessRecord[]) => boolean, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(output, [...seen.values()].filter(stillRunning))) {
        if (Date.now() > deadline) throw new Error(`npm ${args.join(' ')}: not there after ${timeoutMs} ms:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    /** Stops recording; what it started and the ports those held. */
    recorded() {
      record();
      clearInterval(recorder);
      return { processes: [...seen.values()], ports: [...ports] };
    },
  };
}

/** Fails unless every recorded process is gone and every recorded port can be bound, within the bound. */
async function expectNothingLeft(command: ReturnType<typeof run>, top: ChildProcess) {
  // Recording goes on until the end: a process started in the last moment counts too.
  const deadline = Date.now() + GONE_WITHIN_MS;
  let left: ProcessRecord[] = [];
  let heldPorts: number[] = [];
  for (;;) {
    const { processes, ports } = command.recorded();
    const topRecord = processRecord(top.pid!);
    left = [...processes, ...(topRecord ? [topRecord] : [])].filter(stillRunning);
    heldPorts = [];
    for (const port of ports) if (await portInUse(port)) heldPorts.push(port);
    if ((left.length === 0 && heldPorts.length === 0) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // Whatever a failing run left is killed here, so that it cannot break the next case.
  for (const p of left) process.kill(p.pid, 'SIGKILL');
  expect({ processesLeft: left.map((p) => `${p.pid} ${p.cmdline.slice(0, 100)}`), portsStillHeld: heldPorts }).toEqual({ processesLeft: [], portsStillHeld: [] });
}

const STACK_UP = /local stack is up/;
// The first case builds the functions; the others restart on that build.
let built = false;
const startArgs = () => ['start', '--', '--free-ports', '--quiet', ...(built ? ['--no-build'] : [])];
afterEach(() => {
  built = true;
});

describe('npm start stops everything it started', () => {
  it.each([
    ['SIGTERM', 'npm alone'],
    ['SIGHUP', 'npm alone'],
    ['SIGKILL', 'npm alone'],
  ] as const)('when %s reaches %s once the stack is up', async (signal, _whom) => {
    const command = run(startArgs());
    await command.until((output) => STACK_UP.test(output));
    process.kill(command.child.pid!, signal);
    await expectNothingLeft(command, command.child);
  });

  it('when the script itself is killed with SIGKILL, leaving it no chance to clean up', async () => {
    const command = run(startArgs());
    await command.until((output) => STACK_UP.test(output));
    const script = descendantsOf(command.child.pid!).find((p) => p.cmdline.includes('scripts/start.ts') && p.cmdline.includes('loader'));
    expect(script).toBeDefined();
    process.kill(script!.pid, 'SIGKILL');
    await expect(command.exited).resolves.toBeUndefined();
    await expectNothingLeft(command, command.child);
  });

  it('when SIGTERM reaches npm during the start-up, while the emulators are still starting', async () => {
    const command = run(startArgs());
    // The first emulator process is running and the stack is not up yet.
    await command.until((output, below) => below.some((p) => /CloudFirestore|firebase emulators:start/.test(p.cmdline)) && !STACK_UP.test(output));
    process.kill(command.child.pid!, 'SIGTERM');
    await expectNothingLeft(command, command.child);
    expect(command.output()).not.toMatch(STACK_UP);
  });
});

describe('npm run test:emulators stops everything it started', () => {
  it('when a spec fails and the run ends on its own, with no signal', async () => {
    const command = run(['run', 'test:emulators', '--', '--testMatch', path.join(__dirname, 'fixtures/failsOnPurpose.spec.ts')]);
    await command.exited;
    expect(command.child.exitCode).toBe(command.output().includes('NOT RUN on this machine') ? 0 : 1);
    await expectNothingLeft(command, command.child);
  });
});
