import pg from 'pg';

/**
 * What a PostgreSQL restart does to its clients, confined to one scratch database: every `everyMs`
 * the backends connected to `database` are terminated (the server itself, shared with other runs,
 * keeps running). Uses its own connection to the server's `postgres` database, so it is never a victim.
 */
export function startBackendKiller(serverUrl: string, database: string, everyMs: number) {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  let kills = 0;
  let rounds = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const round = async () => {
    const result = await client.query<{ killed: boolean }>(
      'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    rounds++;
    kills += result.rows.filter((r) => r.killed).length;
  };
  const ready = client.connect();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().catch(() => undefined).finally(schedule);
    }, everyMs);
  };
  return {
    async start() {
      await ready;
      await round();
      schedule();
    },
    /** Stops killing (waits for a round in flight) and closes the killer's own connection. */
    async stop(): Promise<{ rounds: number; kills: number }> {
      stopped = true;
      clearTimeout(timer);
      await running;
      await client.end().catch(() => undefined);
      return { rounds, kills };
    },
  };
}

/** The database name of a connection string. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
