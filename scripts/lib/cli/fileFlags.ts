import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The checks several scripts share, worded once: an input file, an output file, the choice of
 * source, and whether Firestore may be read here.
 */

/** An input file (--from-file): it must exist and be a regular file, not a directory. */
export function readableFile(file: string | undefined, flag: string, problems: string[]): string | null {
  if (file === undefined) return null;
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) problems.push(`${flag}: ${file} is not a readable file (it does not exist)`);
  else if (!statSync(absolute).isFile()) problems.push(`${flag}: ${file} is not a readable file (it is a directory)`);
  return absolute;
}

/** An output file (--report, --rejects): its directory must exist, and it must not be a directory itself. */
export function writableFile(file: string | undefined, flag: string, problems: string[]): string | null {
  if (file === undefined) return null;
  const absolute = path.resolve(file);
  const dir = path.dirname(absolute);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`${flag}: directory ${dir} does not exist`);
  else if (existsSync(absolute) && statSync(absolute).isDirectory()) problems.push(`${flag}: ${file} is a directory; give a file name`);
  return absolute;
}

/** `withExport`: the script also reads managed exports (--from-export), so the wording names it. */
export function oneSource(flags: { fromFile?: unknown; fromFirestore?: unknown; fromExport?: unknown }, problems: string[], withExport = false): void {
  const given = [flags.fromFile, flags.fromFirestore, flags.fromExport].filter((f) => f !== undefined && f !== false).length;
  if (given !== 1) problems.push(`give exactly one source: --from-file <export.ndjson>${withExport ? ', --from-export <dir>' : ''} or --from-firestore`);
}

export function firestoreReachable(firestoreAvailable: boolean, problems: string[]): void {
  if (!firestoreAvailable) {
    problems.push('--from-firestore: no Firestore here; set FIRESTORE_EMULATOR_HOST, or GOOGLE_APPLICATION_CREDENTIALS with a real (non-demo) GCLOUD_PROJECT');
  }
}
