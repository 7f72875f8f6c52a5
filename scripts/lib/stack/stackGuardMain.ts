// The watchdog of one stack-owning process (see stackGuard.ts), run detached in a session of its own so
// that no signal meant for the owner's terminal reaches it. Argument: the owner's stack record file.
// It keeps a record of every process below the owner, orphans included, and when the owner is gone,
// however it ended, it stops every recorded process that still runs, removes the record and exits.
import { descendantsOf, processRecord, stillRunning, stopProcesses, type ProcessRecord } from './processTree';
import { readStackRecord, removeStackRecord, writeStackRecord, type StackRecord } from './stackRecords';

const SCAN_EVERY_MS = 250;
const file = process.argv[2];
const initial = file ? readStackRecord(file) : null;
if (!file || !initial) {
  console.error(`stack guard: no stack record at ${file ?? '(none given)'}`);
  process.exit(2);
}

const record: StackRecord = { ...initial, guard: processRecord(process.pid) };
const tracked = new Map<number, ProcessRecord>(record.processes.map((p) => [p.pid, p]));
let ending = false;

function scan(): void {
  let changed = false;
  for (const p of descendantsOf(record.owner.pid)) {
    if (p.pid === process.pid) continue;
    const known = tracked.get(p.pid);
    if (!known || known.startTime !== p.startTime) {
      tracked.set(p.pid, p);
      changed = true;
    }
  }
  for (const [pid, p] of tracked) {
    if (!stillRunning(p)) {
      tracked.delete(pid);
      changed = true;
    }
  }
  if (changed) writeStackRecord(file!, { ...record, processes: [...tracked.values()] });
}

async function ownerGone(): Promise<void> {
  if (ending) return;
  ending = true;
  clearInterval(timer);
  // One last look: a process the owner started just before it died.
  await stopProcesses([...tracked.values()]);
  removeStackRecord(file!);
  process.exit(0);
}

const timer = setInterval(() => {
  if (!stillRunning(record.owner)) void ownerGone();
  else scan();
}, SCAN_EVERY_MS);

// The IPC channel closes the moment the owner dies, whatever killed it; the timer is the fallback.
process.on('disconnect', () => void ownerGone());
process.on('message', (message) => {
  // The owner stopped its stack itself and says so: nothing is left to stop.
  if (message === 'release') {
    clearInterval(timer);
    process.exit(0);
  }
});
// Killed itself while the owner lives: it leaves the record, which the next start checks (stopLeftoverStacks).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(0));

scan();
process.send?.('ready');
