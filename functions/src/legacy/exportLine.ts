import { z } from 'zod';
import { parseLegacyPath, type LegacyPath } from './legacyPath';
import type { Reject } from './rejectReason';

/** One line of an NDJSON export: `{"path": "sessions/abc", "data": {...}}`; `id` may stand in for the last segment. */
const exportLineSchema = z.object({
  path: z.string().optional(),
  id: z.string().optional(),
  data: z.record(z.unknown()),
});

export type ExportDocument = LegacyPath & {
  data: Record<string, unknown>;
  /** The line named no collection (a bare "id", or a one-segment path): the one being read was assumed. */
  collectionAssumed?: true;
};

/**
 * Parses one export line. `defaultCollection` completes a bare `id` (or a one-segment path) into
 * `<collection>/<id>`. Blank lines give null: exports often end with one.
 */
export function parseExportLine(
  line: string,
  lineNumber: number,
  defaultCollection: string,
): { ok: true; doc: ExportDocument } | { ok: false; reject: Reject } | null {
  if (line.trim() === '') return null;
  const where = `line:${lineNumber}`;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, reject: { path: where, reason: 'malformed_json', detail: (error as Error).message, raw: line } };
  }
  const parsed = exportLineSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ');
    return { ok: false, reject: { path: where, reason: 'malformed_json', detail, raw: json } };
  }
  const { path, id, data } = parsed.data;
  const full = path === undefined ? (id === undefined ? undefined : `${defaultCollection}/${id}`) : path.includes('/') ? path : `${defaultCollection}/${path}`;
  const location = parseLegacyPath(full);
  if (location === null || (id !== undefined && path !== undefined && location.id !== id)) {
    return { ok: false, reject: { path: full ?? where, reason: 'invalid_path', detail: 'needs "path" (collection/doc[/collection/doc…]) or "id", and they must agree', raw: json } };
  }
  const assumed = path === undefined || !path.includes('/');
  return { ok: true, doc: assumed ? { ...location, data, collectionAssumed: true } : { ...location, data } };
}

/**
 * A line without a collection takes the one being read, unless its data plainly belongs to another:
 * a session (it has startTime or endTime) given to a users or streaks run, or anything else given to
 * a sessions run. Such a line is refused with a reason rather than stored as the wrong kind.
 */
export function misplacedLine(doc: ExportDocument, reading: 'sessions' | 'users' | 'streaks'): Reject | null {
  if (!doc.collectionAssumed) return null;
  const isSession = 'startTime' in doc.data || 'endTime' in doc.data;
  if (isSession === (reading === 'sessions')) return null;
  return {
    path: doc.path,
    reason: 'invalid_path',
    detail: `the line names no collection and its data ${isSession ? 'is a session (startTime/endTime)' : 'is not a session (no startTime/endTime)'}, so it is not one of ${reading}; give its "path"`,
    raw: doc.data,
  };
}
