import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { isValidTimeZone, parseInstant } from '../../functions/src/domain';
import type { BackfillKind } from './backfillRuns';
import { MAX_RANGES } from './keyRanges';

/** Flags as commander hands them over (strings, booleans). */
export interface RawBackfillFlags {
  fromFile?: string;
  fromFirestore?: boolean;
  collection?: string;
  collectionGroup?: string;
  groupParent?: string;
  partitions?: string;
  readTime?: string;
  shard?: string;
  batchSize?: string;
  dryRun?: boolean;
  resume?: string;
  runId?: string;
  since?: string;
  sinceField?: string;
  defaultTimezone?: string;
  project?: boolean;
  report?: string;
  rejects?: string;
  rebuildChunk?: string;
}

/** Everything that defines what a run reads and how; stored in backfill_runs.options and reused by --resume. */
export interface BackfillPlan {
  kind: BackfillKind;
  source: { type: 'file'; file: string } | { type: 'firestore'; readTimeMs: number | null; shard: { index: number; count: number }; partitions: number };
  collection: string;
  group: boolean;
  groupParent: string;
  batchSize: number;
  since: { field: string; fromMs: number } | null;
  defaultTimeZone: string | null;
  project: boolean;
  rebuildChunkSize: number;
}

export interface BackfillCommand {
  plan: BackfillPlan | null;
  resume: string | null;
  runId: string | null;
  dryRun: boolean;
  report: string | null;
  rejects: string | null;
}

const ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const COLLECTION = /^[^/]{1,1500}$/;

function int(value: string | undefined, fallback: number, min: number, max: number, flag: string, problems: string[]): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    problems.push(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return n;
}

function writableFile(file: string | undefined, flag: string, problems: string[]): string | null {
  if (file === undefined) return null;
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`${flag}: directory ${dir} does not exist`);
  return path.resolve(file);
}

/**
 * Checks every flag before anything touches data, collecting all problems at once (STYLE, our
 * habit 7). `nowMs` bounds --read-time and --since; `firestoreAvailable` says whether a real
 * Firestore client may be built here (DESIGN §8).
 */
export function parseBackfillFlags(
  kindArg: string,
  flags: RawBackfillFlags,
  context: { nowMs: number; firestoreAvailable: boolean },
): { ok: true; command: BackfillCommand } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const kind = kindArg === 'sessions' || kindArg === 'users' ? kindArg : null;
  if (kind === null) problems.push(`what to backfill must be "sessions" or "users", got ${JSON.stringify(kindArg)}`);
  const report = writableFile(flags.report, '--report', problems);
  const rejects = writableFile(flags.rejects, '--rejects', problems);

  if (flags.resume !== undefined) {
    if (!ID.test(flags.resume)) problems.push('--resume takes a run id as printed by an earlier run');
    const sourceFlags = (['fromFile', 'fromFirestore', 'collection', 'collectionGroup', 'partitions', 'readTime', 'shard', 'since', 'sinceField', 'defaultTimezone', 'runId', 'batchSize'] as const)
      .filter((f) => flags[f] !== undefined)
      .map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (sourceFlags.length > 0) problems.push(`--resume continues with the run's own options; drop ${sourceFlags.join(', ')}`);
    if (flags.project === false) problems.push("--resume continues with the run's own options; drop --no-project");
    if (flags.dryRun) problems.push('--dry-run cannot resume a run (a dry run has no run to resume)');
    return problems.length > 0 ? { ok: false, problems } : { ok: true, command: { plan: null, resume: flags.resume as string, runId: null, dryRun: false, report, rejects } };
  }

  if (Boolean(flags.fromFile) === Boolean(flags.fromFirestore)) problems.push('give exactly one source: --from-file <export.ndjson> or --from-firestore');
  if (flags.fromFile !== undefined && (!existsSync(flags.fromFile) || !statSync(flags.fromFile).isFile())) problems.push(`--from-file: ${flags.fromFile} is not a readable file`);
  if (flags.collection !== undefined && flags.collectionGroup !== undefined) problems.push('--collection and --collection-group exclude each other');
  for (const [flag, value] of [['--collection', flags.collection], ['--collection-group', flags.collectionGroup], ['--group-parent', flags.groupParent]] as const) {
    if (value !== undefined && !COLLECTION.test(value)) problems.push(`${flag} takes a collection id (no "/")`);
  }
  if (kind === 'users' && flags.collectionGroup !== undefined) problems.push('users are read from the top-level users collection; --collection-group is for sessions');
  if (flags.runId !== undefined && !ID.test(flags.runId)) problems.push('--run-id: 1-100 characters of A-Z a-z 0-9 _ . : -');

  const batchSize = int(flags.batchSize, 1000, 1, 10_000, '--batch-size', problems);
  const rebuildChunkSize = int(flags.rebuildChunk, 5000, 1, 100_000, '--rebuild-chunk', problems);
  const partitions = int(flags.partitions, 1, 1, 64, '--partitions', problems);

  let shard = { index: 0, count: 1 };
  if (flags.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flags.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) problems.push(`--shard takes i/N with 0 <= i < N (e.g. 0/4), got ${JSON.stringify(flags.shard)}`);
    else shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  if (shard.count * partitions > MAX_RANGES) problems.push(`--shard N × --partitions must not exceed ${MAX_RANGES}`);

  let readTimeMs: number | null = null;
  if (flags.readTime !== undefined) {
    readTimeMs = parseInstant(flags.readTime);
    if (readTimeMs === null) problems.push('--read-time takes an ISO-8601 instant with an offset, e.g. 2025-06-01T00:00:00Z');
    else if (readTimeMs > context.nowMs) problems.push('--read-time lies in the future');
  }
  let since: BackfillPlan['since'] = null;
  if (flags.since !== undefined || flags.sinceField !== undefined) {
    const fromMs = flags.since === undefined ? null : parseInstant(flags.since);
    if (flags.since === undefined) problems.push('--since-field needs --since <ISO>');
    else if (fromMs === null) problems.push('--since takes an ISO-8601 instant with an offset, e.g. 2025-06-01T00:00:00Z');
    if (flags.sinceField === undefined) problems.push('--since needs --since-field <field> (a field the legacy writer sets on every write, e.g. createdAt)');
    else if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(flags.sinceField)) problems.push('--since-field takes a field name');
    if (fromMs !== null && flags.sinceField !== undefined) since = { field: flags.sinceField, fromMs };
    if (flags.fromFirestore && (flags.shard !== undefined || partitions > 1)) problems.push('--since reads in since-field order; it cannot be combined with --shard or --partitions');
  }
  if (!flags.fromFirestore) {
    for (const [flag, given] of [['--partitions', flags.partitions], ['--read-time', flags.readTime], ['--shard', flags.shard]] as const) {
      if (given !== undefined) problems.push(`${flag} applies to --from-firestore only`);
    }
  } else if (!context.firestoreAvailable) {
    problems.push('--from-firestore: no Firestore here; set FIRESTORE_EMULATOR_HOST, or GOOGLE_APPLICATION_CREDENTIALS with a real (non-demo) GCLOUD_PROJECT');
  }
  if (flags.defaultTimezone !== undefined && !isValidTimeZone(flags.defaultTimezone)) problems.push(`--default-timezone: ${JSON.stringify(flags.defaultTimezone)} is not an IANA time zone`);
  if (kind === 'users' && flags.defaultTimezone !== undefined) problems.push('--default-timezone applies to sessions only');

  if (problems.length > 0 || kind === null) return { ok: false, problems };
  const group = flags.collectionGroup !== undefined;
  return {
    ok: true,
    command: {
      plan: {
        kind,
        source: flags.fromFile ? { type: 'file', file: path.resolve(flags.fromFile) } : { type: 'firestore', readTimeMs, shard, partitions },
        collection: flags.collectionGroup ?? flags.collection ?? kind,
        group,
        groupParent: flags.groupParent ?? 'users',
        batchSize,
        since,
        defaultTimeZone: flags.defaultTimezone ?? null,
        project: flags.project !== false,
        rebuildChunkSize,
      },
      resume: null,
      runId: flags.runId ?? null,
      dryRun: Boolean(flags.dryRun),
      report,
      rejects,
    },
  };
}
