import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface ExportFile {
  /** N of output-N: what --shard splits on. */
  index: number;
  /** Relative to the export's root, as rejects and logs name it. */
  name: string;
  absolute: string;
  size: number;
  mtimeMs: number;
}

export interface ExportFiles {
  /** The export's root (`<prefix>/`, the directory of `<prefix>.overall_export_metadata`). */
  root: string;
  /** `all_kinds` (every collection in the files) or `kind_<collection>` (one collection id exported). */
  kindDir: string;
  files: ExportFile[];
}

const OUTPUT = /^output-(\d+)$/;
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const entries = (dir: string) => readdirSync(dir).sort();

/**
 * The output-N files holding `collection` in an export, from any of the directories an engineer
 * may name: the export root (holding `*.overall_export_metadata` and `all_namespaces/`), the
 * directory above it when it holds one export (the emulator writes `firestore_export_<n>/` into
 * the directory it is given), `all_namespaces/`, or a `kind_<collection>`/`all_kinds` directory.
 * A managed export of chosen collection ids has one `kind_<id>` directory per id; one of all
 * collections (and the emulator's) has `all_kinds`.
 */
export function findExportFiles(dir: string, collection: string): { ok: true; export: ExportFiles } | { ok: false; problem: string } {
  const absolute = path.resolve(dir);
  if (!isDir(absolute)) return { ok: false, problem: `${dir} is not a directory` };
  const kindDirOf = (namespaces: string): string | null => {
    const own = path.join(namespaces, `kind_${collection}`);
    if (isDir(own)) return own;
    const all = path.join(namespaces, 'all_kinds');
    return isDir(all) ? all : null;
  };

  let root: string;
  let kindDir: string | null;
  if (entries(absolute).some((f) => OUTPUT.test(f))) {
    kindDir = absolute;
    root = path.dirname(path.dirname(absolute));
  } else if (path.basename(absolute) === 'all_namespaces') {
    root = path.dirname(absolute);
    kindDir = kindDirOf(absolute);
  } else {
    const exports = isExportRoot(absolute) ? [absolute] : entries(absolute).map((c) => path.join(absolute, c)).filter((c) => isDir(c) && isExportRoot(c));
    if (exports.length === 0) return { ok: false, problem: `${dir} holds no Firestore export (no *.overall_export_metadata, no all_namespaces/ and no output-N files)` };
    if (exports.length > 1) return { ok: false, problem: `${dir} holds ${exports.length} exports (${exports.map((e) => path.basename(e)).join(', ')}); give one of them` };
    root = exports[0] as string;
    kindDir = kindDirOf(path.join(root, 'all_namespaces'));
  }
  if (kindDir === null) {
    const namespaces = path.join(root, 'all_namespaces');
    const kinds = isDir(namespaces) ? entries(namespaces).filter((k) => isDir(path.join(namespaces, k))) : [];
    return { ok: false, problem: `the export in ${root} has neither all_namespaces/kind_${collection} nor all_namespaces/all_kinds (it has: ${kinds.join(', ') || 'nothing'})` };
  }
  const files = entries(kindDir)
    .map((name) => ({ name, match: OUTPUT.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .map(({ name, match }) => {
      const file = path.join(kindDir as string, name);
      const stat = statSync(file);
      return { index: Number(match[1]), name: path.relative(root, file), absolute: file, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
    })
    .sort((a, b) => a.index - b.index);
  if (files.length === 0) return { ok: false, problem: `${kindDir} holds no output-N files` };
  return { ok: true, export: { root, kindDir: path.basename(kindDir), files } };
}

function isExportRoot(dir: string): boolean {
  return isDir(path.join(dir, 'all_namespaces')) || entries(dir).some((f) => f.endsWith('.overall_export_metadata'));
}

/** The files of shard i of N: file index modulo N, so one export feeds any number of tasks. */
export function filesOfShard(files: readonly ExportFile[], shard: { index: number; count: number }): ExportFile[] {
  return files.filter((f) => f.index % shard.count === shard.index);
}
