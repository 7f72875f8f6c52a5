import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/**
 * The zones PostgreSQL knows (pg_timezone_names), read once per process: a zone is accepted only
 * when the runtime (ICU) and PostgreSQL both know it, or every later SQL rebuild of its user fails.
 * A zone is stored in one spelling, PostgreSQL's (the IANA file name), matched without regard to
 * case: `europe/paris` is `Europe/Paris`, while links keep their own name (`Asia/Calcutta` stays
 * `Asia/Calcutta`), so sessions stored before keep comparing equal.
 */
let loading: Promise<ReadonlyMap<string, string>> | null = null;

async function postgresZones(db: CommonQueryMethods): Promise<ReadonlyMap<string, string>> {
  if (loading === null) {
    loading = db
      .anyFirst(sql.type(z.object({ name: z.string() }))`select name from pg_timezone_names`)
      .then((names) => new Map(names.map((name) => [name.toLowerCase(), name])));
    // A failed read is not remembered: the next call asks again.
    loading.catch(() => (loading = null));
  }
  return loading;
}

/** The zone in its one stored spelling, or null when PostgreSQL does not know it. */
export async function canonicalTimeZone(db: CommonQueryMethods, name: string): Promise<string | null> {
  return (await postgresZones(db)).get(name.toLowerCase()) ?? null;
}

/** A synchronous lookup for a batch: load once with `await timeZoneSpeller(db)`, then call it per name. */
export async function timeZoneSpeller(db: CommonQueryMethods): Promise<(name: string) => string | null> {
  const zones = await postgresZones(db);
  return (name) => zones.get(name.toLowerCase()) ?? null;
}
