import { readFileSync } from 'node:fs';

export interface CpuSpent {
  /** This process's CPU (user + system), in ms. */
  processMs: number;
  /** The whole machine's busy CPU, in ms (null where /proc/stat is not readable). */
  machineMs: number | null;
}

/**
 * CPU spent between start and stop, by this process and by the whole machine. With the database on
 * the same machine and nothing else running, machine minus process is the server's share: a steadier
 * figure per operation than throughput, which also moves with scheduling and fsync latency.
 */
export function cpuMeter(): { stop(): CpuSpent } {
  const process0 = process.cpuUsage();
  const machine0 = machineBusyMs();
  return {
    stop() {
      const p = process.cpuUsage(process0);
      const machine1 = machineBusyMs();
      return { processMs: (p.user + p.system) / 1000, machineMs: machine0 === null || machine1 === null ? null : machine1 - machine0 };
    },
  };
}

function machineBusyMs(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait, in clock ticks (100 Hz).
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    return busy * 10;
  } catch {
    return null;
  }
}

/** "node 310 µs, rest of machine 700 µs per accept" from a measurement over `count` operations. */
export function describeCpu(spent: CpuSpent, count: number, unit: string): string {
  const per = (ms: number) => `${Math.round((ms * 1000) / count)} µs`;
  const rest = spent.machineMs === null ? 'machine: not measurable here' : `rest of machine (the database) ${per(Math.max(0, spent.machineMs - spent.processMs))}`;
  return `CPU per ${unit}: this process ${per(spent.processMs)}, ${rest}`;
}
