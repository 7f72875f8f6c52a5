import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseExportLine } from '../../../functions/src/legacy';
import type { LegacySource, SourceBatch, SourceItem } from './legacySource';

interface FileCursor {
  /** Lines consumed, blank ones included. */
  line: number;
  bytes: number;
}

/**
 * An NDJSON export read as a stream (memory stays flat whatever the file size). A resumed run
 * skips the lines an earlier attempt committed; the file's size and mtime must not have changed.
 */
export function ndjsonSource(file: string, options: { collection: string }): LegacySource {
  const absolute = path.resolve(file);
  const stat = statSync(absolute);
  return {
    describe: `file ${absolute}`,
    fingerprint: { file: absolute, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) },
    total: async () => stat.size,
    batches: (after, batchSize) => readBatches(absolute, (after as FileCursor | null) ?? { line: 0, bytes: 0 }, batchSize, options.collection),
  };
}

async function* readBatches(file: string, from: FileCursor, batchSize: number, collection: string): AsyncGenerator<SourceBatch> {
  const lines = readline.createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let bytes = 0;
  let items: SourceItem[] = [];
  try {
    for await (const text of lines) {
      line += 1;
      // Approximate for CRLF files; only progress uses it.
      bytes += Buffer.byteLength(text) + 1;
      if (line <= from.line) continue;
      const parsed = parseExportLine(text, line, collection);
      if (parsed !== null) items.push(parsed.ok ? { doc: parsed.doc } : { reject: parsed.reject });
      if (items.length >= batchSize) {
        yield { items, cursor: { line, bytes } satisfies FileCursor, position: bytes };
        items = [];
      }
    }
    if (items.length > 0 || line > from.line) yield { items, cursor: { line, bytes } satisfies FileCursor, position: bytes };
  } finally {
    lines.close();
  }
}
