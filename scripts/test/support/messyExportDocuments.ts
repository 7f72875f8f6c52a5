import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The readable documents of fixtures/messy-export.ndjson as Firestore would hold them (the last line
 * of a path wins; unreadable lines have no place in a Firestore), and its users/{uid} documents by uid.
 */
export function messyExportDocuments(): { documents: Record<string, Record<string, unknown>>; users: Record<string, { timezone?: unknown }> } {
  const documents: Record<string, Record<string, unknown>> = {};
  const users: Record<string, { timezone?: unknown }> = {};
  for (const line of readFileSync(path.join(__dirname, '..', 'fixtures', 'messy-export.ndjson'), 'utf8').split('\n')) {
    try {
      const { path: p, data } = JSON.parse(line);
      if (typeof p !== 'string' || p.split('/').length % 2 !== 0) continue;
      documents[p] = data;
      if (/^users\/[^/]+$/.test(p)) users[p.split('/')[1] as string] = data;
    } catch {
      // not JSON: skipped, as Firestore could never have held it
    }
  }
  return { documents, users };
}
