import { sameSessionContent } from '../accept/sameSessionContent';
import { sessionKeyOf } from '../db/focusSessions';
import { parseLegacySession, unknownZoneReject, type ExportDocument, type LegacySession, type LegacySessionContext } from '../legacy';
import { conflictReject } from './conflictReject';
import type { PreparedBatch } from './preparedBatch';

export interface SessionBatchContext extends LegacySessionContext {
  /** The database's one spelling of a zone (CET as Europe/Brussels), null for a zone it does not know. */
  spell(zone: string): string | null;
}

/**
 * Legacy session documents (the caller picked them out of its source) as sessions to write, by the
 * rules of every ingest path: parsed as the bridge parses them, the zone in the database's spelling
 * (one it does not know is refused: every later rebuild of the user would fail), and a session the
 * batch holds twice kept once, or refused as a conflict when the copies differ.
 */
export function prepareLegacySessions(docs: readonly ExportDocument[], context: SessionBatchContext): PreparedBatch<LegacySession> {
  const prepared: PreparedBatch<LegacySession> = { records: [], rejects: [], duplicates: 0, raw: new Map() };
  // Keyed by (user, id): ids are per user, so two users' sessions with one id are both kept.
  const byKey = new Map<string, LegacySession>();
  for (const doc of docs) {
    const parsed = parseLegacySession(doc, doc.data, context);
    if (!parsed.ok) {
      prepared.rejects.push(parsed.reject);
      continue;
    }
    const timeZone = context.spell(parsed.session.timeZone);
    if (timeZone === null) {
      prepared.rejects.push(unknownZoneReject(parsed.session.path, parsed.session.timeZone, doc.data));
      continue;
    }
    const session = { ...parsed.session, timeZone };
    const key = sessionKeyOf(session);
    const earlier = byKey.get(key);
    if (earlier === undefined) {
      byKey.set(key, session);
      // The kept copy's document (a later copy at the same path must not stand in for it as evidence).
      prepared.raw.set(session.path, doc.data);
    } else if (sameSessionContent(earlier, session)) prepared.duplicates += 1;
    else prepared.rejects.push(conflictReject(session, `${earlier.path} earlier in this batch`, doc.data));
  }
  prepared.records = [...byKey.values()];
  return prepared;
}
