import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * One process as /proc shows it. `startTime` (clock ticks since boot) tells a process from a later
 * one that got the same pid, so a recorded process is only ever signalled while it is the same one.
 */
export interface ProcessRecord {
  pid: number;
  ppid: number;
  pgid: number;
  startTime: number;
  /** argv joined by spaces, cut at 300 characters. */
  cmdline: string;
}

/** The process with this pid now, or null when there is none. */
export function processRecord(pid: number): ProcessRecord | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields that follow start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 300);
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]), cmdline };
  } catch {
    return null;
  }
}

/** True while the recorded process runs (same pid, same start) and is not a zombie waiting to be reaped. */
export function stillRunning(record: Pick<ProcessRecord, 'pid' | 'startTime'>): boolean {
  try {
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && Number(fields[19]) === record.startTime;
  } catch {
    return false;
  }
}

function allProcesses(): ProcessRecord[] {
  const records: ProcessRecord[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const record = processRecord(Number(entry));
    if (record) records.push(record);
  }
  return records;
}

/** Every process below `pid` (children, their children …), read from /proc in one pass. */
export function descendantsOf(pid: number): ProcessRecord[] {
  const children = new Map<number, ProcessRecord[]>();
  for (const record of allProcesses()) {
    const siblings = children.get(record.ppid);
    if (siblings) siblings.push(record);
    else children.set(record.ppid, [record]);
  }
  const found: ProcessRecord[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

const send = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
};

/** SIGKILL, now and synchronously: the last resort of a process that is exiting. */
export function killNow(records: readonly ProcessRecord[]): void {
  for (const record of records) if (stillRunning(record)) send(record.pid, 'SIGKILL');
}

/** SIGTERM to each recorded process still running, SIGKILL to those left after `graceMs`; resolves when all are gone. */
export async function stopProcesses(records: readonly ProcessRecord[], graceMs = 5_000): Promise<void> {
  const running = () => records.filter(stillRunning);
  for (const record of running()) send(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  killNow(running());
  while (running().length > 0 && Date.now() < deadline + 2_000) await new Promise((r) => setTimeout(r, 50));
}

/** Every TCP listener of this machine (IPv4 and IPv6) with the process that holds it, read from /proc: no `ss` needed. */
export function tcpListeners(): Array<{ port: number; holder: ProcessRecord }> {
  const portOfInode = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      const local = columns[1];
      // Column 4 is the socket state; 0A is LISTEN. Column 10 is the socket's inode.
      if (local && columns[3] === '0A') portOfInode.set(columns[9] as string, parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
    }
  }
  const found: Array<{ port: number; holder: ProcessRecord }> = [];
  if (portOfInode.size === 0) return found;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    const ports = new Set<number>();
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const port = target.startsWith('socket:[') ? portOfInode.get(target.slice(8, -1)) : undefined;
        if (port !== undefined) ports.add(port);
      } catch {
        // closed meanwhile
      }
    }
    const holder = ports.size > 0 ? processRecord(Number(entry)) : null;
    if (holder) for (const port of ports) found.push({ port, holder });
  }
  return found;
}

/** The processes holding a TCP listener on `port`. */
export function portHolders(port: number): ProcessRecord[] {
  return tcpListeners().filter((l) => l.port === port).map((l) => l.holder);
}
