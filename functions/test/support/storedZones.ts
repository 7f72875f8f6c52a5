import type { CommonQueryMethods } from 'slonik';
import { timeZoneSpeller } from '../../src/db/timeZones';

/**
 * A zone as every write path stores it (CET as Europe/Brussels, which SQL cannot read as an abbreviation):
 * the SQL copy of the rules only ever reads stored spellings, the domain the names apps send.
 */
export async function storedZoneSpeller(pool: CommonQueryMethods): Promise<(zone: string) => string> {
  const spell = await timeZoneSpeller(pool);
  return (zone) => {
    const stored = spell(zone);
    if (stored === null) throw new Error(`the database does not know the zone ${zone}`);
    return stored;
  };
}
