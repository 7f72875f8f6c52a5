import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { runtimeCanonicalTimeZone } from '../domain';

/**
 * The zones PostgreSQL knows (pg_timezone_names), read once per process: a zone is accepted only
 * when the runtime (ICU) and PostgreSQL both know it, or every later SQL rebuild of its user fails.
 * A zone is stored in one spelling, PostgreSQL's (the IANA file name), matched without regard to
 * case: `europe/paris` is `Europe/Paris`, while links keep their own name (`Asia/Calcutta` stays
 * `Asia/Calcutta`), so sessions stored before keep comparing equal. A name PostgreSQL also reads as
 * an abbreviation with another offset (`CET`: AT TIME ZONE makes it a fixed +01) is stored as ICU's
 * canonical zone (`Europe/Brussels`), once SQL confirms it has the same rules and is no abbreviation
 * (sql/migrations/013, which rewrote older rows the same way); without such a zone the name is refused.
 */
let loading: Promise<ReadonlyMap<string, string>> | null = null;

const zoneRow = z.object({ name: z.string(), readAsAbbreviation: z.boolean() });
const targetRow = z.object({ name: z.string(), storedAs: z.string().nullable() });

/**
 * The runtime's proposal for each of `names`: ICU's canonical zone, spelled as PostgreSQL's zone list
 * (`known`: lower case → its spelling) spells it; null where ICU or PostgreSQL lacks it. The migrator
 * hands the same proposals to sql/migrations/013, so both paths store one spelling.
 */
export function proposedZones(known: ReadonlyMap<string, string>, names: readonly string[]): Array<string | null> {
  return names.map((name) => {
    const canonical = runtimeCanonicalTimeZone(name);
    return canonical === null ? null : (known.get(canonical.toLowerCase()) ?? null);
  });
}

async function readZones(db: CommonQueryMethods): Promise<ReadonlyMap<string, string>> {
  const rows = await db.any(sql.type(zoneRow)`select name, read_as_abbreviation as "readAsAbbreviation" from zone_names()`);
  const zones = new Map(rows.map((r) => [r.name.toLowerCase(), r.name]));
  const read = rows.filter((r) => r.readAsAbbreviation).map((r) => r.name);
  if (read.length === 0) return zones;
  const targets = await db.any(sql.type(targetRow)`
    select t.name, zone_storage_name(t.name, t.proposed) as "storedAs"
    from unnest(${sql.array(read, 'text')}::text[], ${sql.array(proposedZones(zones, read), 'text')}::text[]) as t(name, proposed)`);
  for (const { name, storedAs } of targets) {
    if (storedAs === null) zones.delete(name.toLowerCase());
    else zones.set(name.toLowerCase(), storedAs);
  }
  return zones;
}

async function postgresZones(db: CommonQueryMethods): Promise<ReadonlyMap<string, string>> {
  if (loading === null) {
    loading = readZones(db);
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
