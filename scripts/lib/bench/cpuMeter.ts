import { readFileSync } from 'node:fs';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

export interface CpuSpent {
  /** This process's CPU (user + system), in ms. */
  processMs: number;
  /**
   * CPU of the database's server processes, in ms: those serving the pool's database, read from
   * /proc. Null when the server is not on this machine (or /proc is not readable).
   */
  databaseMs: number | null;
}

/**
 * CPU spent by this process and by the database server between start and stop: the server processes
 * serving the pool's database, read from /proc (a process born meanwhile counts from its birth; one
 * that ended meanwhile is lost, so keep the pool open). Steadier per operation than throughput,
 * which also moves with scheduling, fsync latency and whatever else the machine runs.
 */
export async function cpuMeter(pool: DatabasePool): Promise<{ stop(): Promise<CpuSpent> }> {
  const server0 = await serverProcessesCpuMs(pool);
  const process0 = process.cpuUsage();
  return {
    async stop() {
      const p = process.cpuUsage(process0);
      const server1 = await serverProcessesCpuMs(pool);
      const databaseMs = server0 && server1 ? [...server1].reduce((sum, [pid, ms]) => sum + ms - (server0.get(pid) ?? 0), 0) : null;
      return { processMs: (p.user + p.system) / 1000, databaseMs };
    },
  };
}

/** CPU ms by server process id, or null when they cannot be read here. */
async function serverProcessesCpuMs(pool: DatabasePool): Promise<Map<number, number> | null> {
  const pids = await pool.anyFirst(sql.type(z.object({ pid: z.number().int() }))`
    select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`);
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * 10); // clock ticks are 10 ms on Linux
    } catch {
      return null;
    }
  }
  return byPid;
}

/** "CPU per accept: this process 310 µs, database 620 µs" over `count` operations. */
export function describeCpu(spent: CpuSpent, count: number, unit: string): string {
  const per = (ms: number) => `${Math.round((ms * 1000) / count)} µs`;
  return `CPU per ${unit}: this process ${per(spent.processMs)}, database ${spent.databaseMs === null ? 'not measurable (server not on this machine)' : per(spent.databaseMs)}`;
}
