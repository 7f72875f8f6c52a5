import { z } from 'zod';
import { parseLegacyPath, type Reject } from '../../../../functions/src/legacy';
import type { LegacySource, SourceBatch, SourceItem } from '../legacySource';
import { entityDocument } from './entityDocument';
import { filesOfShard, type ExportFiles } from './exportFiles';
import { readLogRecords } from './logReader';

const exportCursorSchema = z
  .object({
    /** Position in this shard's file list. */
    file: z.number().int().nonnegative(),
    /** Byte offset in that file where the next record starts. */
    offset: z.number().int().nonnegative(),
  })
  .strict();
type ExportCursor = z.infer<typeof exportCursorSchema>;

export interface ExportSourceOptions {
  collection: string;
  /** A collection group: documents of `collection` at any depth; else top-level `collection/{id}` only. */
  group: boolean;
  shard: { index: number; count: number };
}

/** Records that are not of the collection read still end a batch now and then, so a resume skips them. */
const SCANNED_PER_BATCH = 10;

/**
 * A managed Firestore export (or the emulator's) read as a stream: the shard's output-N files in
 * index order, record by record, every record's CRC checked. The cursor is (file, byte offset of the
 * next record), so a resumed run starts reading exactly after its last committed batch. A record that
 * cannot be read is a `corrupt_export_record` reject naming the file and offset.
 */
export function exportSource(found: ExportFiles, options: ExportSourceOptions): LegacySource {
  const files = filesOfShard(found.files, options.shard);
  const shardText = options.shard.count > 1 ? `, shard ${options.shard.index}/${options.shard.count}: ${files.length} of ${found.files.length} files` : `, ${files.length} files`;
  return {
    describe: `export ${found.root} (${found.kindDir}${shardText})`,
    fingerprint: {
      export: found.root,
      files: files.map((f) => ({ name: f.name, size: f.size, mtimeMs: f.mtimeMs })),
      collection: options.collection,
      group: options.group,
      shard: options.shard,
    },
    total: async () => files.reduce((sum, f) => sum + f.size, 0),
    // The cursor comes back from backfill_runs.cursor (jsonb): parsed, so a damaged row stops the resume with a reason.
    batches: (after, batchSize) => readBatches(files, after === null || after === undefined ? { file: 0, offset: 0 } : exportCursorSchema.parse(after), batchSize, options),
  };
}

async function* readBatches(files: ExportFiles['files'], from: ExportCursor, batchSize: number, options: ExportSourceOptions): AsyncGenerator<SourceBatch> {
  const wanted = (collection: string, parentId: string | null) => collection === options.collection && (options.group || parentId === null);
  let before = files.slice(0, from.file).reduce((sum, f) => sum + f.size, 0);
  let items: SourceItem[] = [];
  let scanned = 0;
  let cursor: ExportCursor = from;
  let progressed = false;
  for (let i = from.file; i < files.length; i++) {
    const file = files[i] as ExportFiles['files'][number];
    for await (const entry of readLogRecords(file.absolute, { from: i === from.file ? from.offset : 0 })) {
      cursor = { file: i, offset: entry.end };
      progressed = true;
      scanned += 1;
      if (entry.kind === 'corrupt') {
        items.push({ reject: corruptReject(file.name, entry.offset, entry.end, entry.problem) });
      } else {
        const decoded = entityDocument(entry.data);
        if (!decoded.ok) items.push({ reject: corruptReject(file.name, entry.offset, entry.end, decoded.problem) });
        else {
          const location = parseLegacyPath(decoded.path);
          if (location === null) items.push({ reject: { path: decoded.path, reason: 'invalid_path', detail: `unreadable document path (${file.name} byte ${entry.offset})`, raw: decoded.data } });
          else if (wanted(location.collection, location.parentId)) items.push({ doc: { ...location, data: decoded.data } });
        }
      }
      if (items.length >= batchSize || scanned >= batchSize * SCANNED_PER_BATCH) {
        yield { items, cursor, position: before + entry.end };
        items = [];
        scanned = 0;
        progressed = false;
      }
    }
    before += file.size;
    cursor = { file: i + 1, offset: 0 };
    progressed = true;
  }
  if (items.length > 0 || progressed) yield { items, cursor, position: before };
}

function corruptReject(file: string, offset: number, end: number, problem: string): Reject {
  return {
    path: `${file}@${offset}`,
    reason: 'corrupt_export_record',
    detail: `${file} byte ${offset}: ${problem}`,
    raw: { file, offset, end },
  };
}
