import path from 'node:path';
import type { BackfillKind } from '../../../functions/src/db/backfillRuns';
import { isValidTimeZone, parseInstant } from '../../../functions/src/domain';
import { firestoreReachable, oneSource, readableFile, writableFile } from '../cli/fileFlags';
import type { CliSpec } from '../cli/flags';
import { taskRunId, type CloudRunTask } from './cloudRunTask';
import { findExportFiles } from './export/exportFiles';
import { MAX_RANGES } from './keyRanges';
import type { BackfillPlan } from './storedRunOptions';

const SESSIONS = ['sessions'] as const;

/** The command line of `npm run backfill`: `sessions` and `users` each list only their own flags. */
export const backfillCli: CliSpec = {
  name: 'backfill',
  description: 'Copy legacy Firestore sessions, users or friends lists into PostgreSQL (sessions: then rebuild the affected streaks in SQL). Idempotent and resumable.',
  commands: {
    label: 'what to backfill',
    choices: {
      sessions: 'legacy sessions/{id} documents (backfill users first: sessions fall back to their zone)',
      users: 'legacy users/{uid} documents (their time zones)',
      friendships: 'legacy users/{uid}.friends arrays: mutual listings become friends, one-sided ones pending requests (backfill users first: listed friends must be known)',
      summary: 'add up a run group, the tasks of one Cloud Run Jobs execution: summary --group <id> [--json] (see summary --help)',
    },
  },
  flags: [
    { flag: '--from-file', value: '<path>', description: 'NDJSON export, one {"path", "data"} document per line (streamed; any size)' },
    { flag: '--from-firestore', description: 'read Firestore with firebase-admin (emulator or real credentials)' },
    { flag: '--from-export', value: '<dir>', description: 'a managed Firestore export (gcloud firestore export) in a local or mounted directory: its output-N files, streamed, every record CRC-checked' },
    { flag: '--collection', value: '<id>', description: 'collection to read (default: sessions; users for users and friendships)' },
    { flag: '--collection-group', value: '<id>', description: 'read every …/<id>/{doc} subcollection, e.g. users/{uid}/sessions', only: SESSIONS },
    { flag: '--group-parent', value: '<id>', default: 'users', description: 'with --collection-group: the parent collection, for --shard ranges', only: SESSIONS },
    { flag: '--partitions', value: '<n>', int: { min: 1, max: 64 }, default: 1, description: 'Firestore: read N id ranges in parallel' },
    { flag: '--read-time', value: '<ISO>', description: 'Firestore: read one consistent snapshot at this instant (≤ 1 h ago, ≤ 7 days with PITR)' },
    { flag: '--shard', value: '<i/N>', description: 'Firestore: this process reads id range i of N; export: the output-K files with K mod N = i (run N processes on N machines)' },
    { flag: '--batch-size', value: '<n>', int: { min: 1, max: 10_000 }, default: 5000, description: 'documents per transaction' },
    { flag: '--dry-run', description: 'parse, validate and classify against the database; write nothing to it' },
    { flag: '--resume', value: '<runId>', description: 'continue a stopped run from its last committed batch, with the options it was started with' },
    { flag: '--run-id', value: '<id>', description: 'id for a new run (default: generated and printed)' },
    { flag: '--since', value: '<ISO>', description: 'catch-up: only documents whose --since-field is at or after this instant' },
    { flag: '--since-field', value: '<field>', description: 'the field --since compares (one the legacy writer sets, e.g. createdAt)' },
    { flag: '--default-timezone', value: '<zone>', description: 'zone for sessions without one whose user has none either (else they are rejected)', only: SESSIONS },
    { flag: '--no-project', description: 'rebuild streaks without queueing outbox rows for the Firestore projection', only: SESSIONS },
    { flag: '--rebuild-chunk', value: '<n>', int: { min: 1, max: 100_000 }, default: 5000, description: 'users per rebuild transaction', only: SESSIONS },
    { flag: '--report', value: '<file.json>', description: 'write the JSON report here' },
    { flag: '--rejects', value: '<file.ndjson>', description: 'append rejected documents here (they are always stored in backfill_rejects)' },
  ],
};

/** The flag values parseCommandLine hands over for backfillCli. */
export interface BackfillFlags {
  fromFile?: string;
  fromFirestore?: boolean;
  fromExport?: string;
  collection?: string;
  collectionGroup?: string;
  groupParent: string;
  partitions: number;
  readTime?: string;
  shard?: string;
  batchSize: number;
  dryRun?: boolean;
  resume?: string;
  runId?: string;
  since?: string;
  sinceField?: string;
  defaultTimezone?: string;
  project: boolean;
  rebuildChunk: number;
  report?: string;
  rejects?: string;
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
// Flags that define what a run reads: a resumed run keeps the ones it started with.
const PLAN_FLAGS = ['fromFile', 'fromFirestore', 'fromExport', 'collection', 'collectionGroup', 'groupParent', 'partitions', 'readTime', 'shard', 'since', 'sinceField', 'defaultTimezone', 'runId', 'batchSize', 'rebuildChunk', 'project'] as const;
const flagName = (key: string) => (key === 'project' ? '--no-project' : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);

/**
 * Checks every flag before anything touches data, collecting all problems at once. `kind` is null
 * when the command argument was wrong (its problem is already listed). `nowMs` bounds --read-time
 * and --since; `firestoreAvailable` says whether a real Firestore client may be built here. `task`
 * is the Cloud Run Jobs task this process is (null outside a job): it is the shard, and its run id is
 * its own, so flags that would say otherwise are problems rather than silently losing.
 */
export function parseBackfillFlags(
  kind: BackfillKind | null,
  flags: BackfillFlags,
  given: ReadonlySet<string>,
  context: { nowMs: number; firestoreAvailable: boolean; task?: CloudRunTask | null },
): { ok: true; command: BackfillCommand } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const report = writableFile(flags.report, '--report', problems);
  const rejects = writableFile(flags.rejects, '--rejects', problems);
  const task = context.task ?? null;
  if (task) {
    const own = taskRunId(task);
    if (flags.resume !== undefined && flags.resume !== own) problems.push(`--resume ${flags.resume}: this Cloud Run Jobs task resumes its own run ${own} by itself; drop --resume`);
    if (flags.runId !== undefined) problems.push(`--run-id: a Cloud Run Jobs task's run id is derived from its execution and index (${own}); drop --run-id`);
    if (flags.shard !== undefined && flags.shard !== `${task.index}/${task.count}`) {
      problems.push(`--shard ${flags.shard} conflicts with this Cloud Run Jobs task ${task.index}/${task.count} (CLOUD_RUN_TASK_INDEX/CLOUD_RUN_TASK_COUNT); drop --shard: each task is its shard`);
    }
    if (task.count > 1 && flags.resume === undefined && !flags.fromFirestore && flags.fromExport === undefined) {
      problems.push(`a Cloud Run Jobs execution of ${task.count} tasks needs a source it can split over them: --from-firestore (key ranges) or --from-export (its files)`);
    }
  }

  if (flags.resume !== undefined) {
    if (!ID.test(flags.resume)) problems.push('--resume takes a run id as printed by an earlier run');
    const planFlags = PLAN_FLAGS.filter((f) => given.has(f)).map(flagName);
    if (planFlags.length > 0) problems.push(`--resume continues with the run's own options; drop ${planFlags.join(', ')}`);
    if (flags.dryRun) problems.push('--dry-run cannot resume a run (a dry run has no run to resume)');
    return problems.length > 0 || kind === null ? { ok: false, problems } : { ok: true, command: { plan: null, resume: flags.resume, runId: null, dryRun: false, report, rejects } };
  }

  oneSource(flags, problems, true);
  readableFile(flags.fromFile, '--from-file', problems);
  const exportDir = flags.fromExport === undefined ? null : path.resolve(flags.fromExport);
  if (exportDir !== null && kind !== null) {
    const found = findExportFiles(exportDir, flags.collectionGroup ?? flags.collection ?? defaultCollection(kind));
    if (!found.ok) problems.push(`--from-export: ${found.problem}`);
  }
  if (flags.collection !== undefined && flags.collectionGroup !== undefined) problems.push('--collection and --collection-group exclude each other');
  for (const [flag, value] of [['--collection', flags.collection], ['--collection-group', flags.collectionGroup], ['--group-parent', flags.groupParent]] as const) {
    if (value !== undefined && !COLLECTION.test(value)) problems.push(`${flag} takes a collection id (no "/")`);
  }
  if (flags.runId !== undefined && !ID.test(flags.runId)) problems.push('--run-id: 1-100 characters of A-Z a-z 0-9 _ . : -');
  const { batchSize, rebuildChunk: rebuildChunkSize, partitions } = flags;

  let shard = task ? { index: task.index, count: task.count } : { index: 0, count: 1 };
  if (flags.shard !== undefined && !task) {
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
    if (flags.fromFirestore && (flags.shard !== undefined || partitions > 1 || shard.count > 1)) {
      problems.push(`--since reads in since-field order; it cannot be combined with --shard or --partitions${task ? ', nor run as several Cloud Run Jobs tasks' : ''}`);
    }
  }
  if (!flags.fromFirestore) {
    for (const key of flags.fromExport === undefined ? (['partitions', 'readTime', 'shard'] as const) : (['partitions', 'readTime'] as const)) {
      if (given.has(key)) problems.push(`${flagName(key)} applies to --from-firestore${key === 'shard' ? ' and --from-export' : ''} only`);
    }
  } else firestoreReachable(context.firestoreAvailable, problems);
  if (flags.defaultTimezone !== undefined && !isValidTimeZone(flags.defaultTimezone)) problems.push(`--default-timezone: ${JSON.stringify(flags.defaultTimezone)} is not an IANA time zone`);

  if (problems.length > 0 || kind === null) return { ok: false, problems };
  const group = flags.collectionGroup !== undefined;
  return {
    ok: true,
    command: {
      plan: {
        kind,
        source: flags.fromFile
          ? { type: 'file', file: readableFile(flags.fromFile, '--from-file', []) as string }
          : exportDir !== null
            ? { type: 'export', dir: exportDir, shard }
            : { type: 'firestore', readTimeMs, shard, partitions },
        collection: flags.collectionGroup ?? flags.collection ?? defaultCollection(kind),
        group,
        groupParent: flags.groupParent,
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

/** The flags of a plan as a command line, so the resume hint can show what a resumed run keeps. */
export function planAsFlags(plan: BackfillPlan, files: { report: string | null; rejects: string | null }): string {
  const parts: string[] = [];
  const quote = (v: string) => (/^[\w./:@%+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  if (plan.source.type === 'file') parts.push(`--from-file ${quote(plan.source.file)}`);
  else if (plan.source.type === 'export') {
    parts.push(`--from-export ${quote(plan.source.dir)}`);
    if (plan.source.shard.count > 1) parts.push(`--shard ${plan.source.shard.index}/${plan.source.shard.count}`);
  } else {
    parts.push('--from-firestore');
    if (plan.source.readTimeMs !== null) parts.push(`--read-time ${new Date(plan.source.readTimeMs).toISOString()}`);
    if (plan.source.shard.count > 1) parts.push(`--shard ${plan.source.shard.index}/${plan.source.shard.count}`);
    if (plan.source.partitions > 1) parts.push(`--partitions ${plan.source.partitions}`);
  }
  if (plan.group) parts.push(`--collection-group ${quote(plan.collection)}`, `--group-parent ${quote(plan.groupParent)}`);
  else if (plan.collection !== defaultCollection(plan.kind)) parts.push(`--collection ${quote(plan.collection)}`);
  parts.push(`--batch-size ${plan.batchSize}`);
  if (plan.since) parts.push(`--since ${new Date(plan.since.fromMs).toISOString()}`, `--since-field ${quote(plan.since.field)}`);
  if (plan.defaultTimeZone) parts.push(`--default-timezone ${plan.defaultTimeZone}`);
  if (plan.kind === 'sessions') {
    if (!plan.project) parts.push('--no-project');
    parts.push(`--rebuild-chunk ${plan.rebuildChunkSize}`);
  }
  if (files.report) parts.push(`--report ${quote(files.report)}`);
  if (files.rejects) parts.push(`--rejects ${quote(files.rejects)}`);
  return parts.join(' ');
}

/** The collection a kind reads unless --collection says otherwise: friends lists live in users/{uid}. */
export function defaultCollection(kind: BackfillKind): string {
  return kind === 'friendships' ? 'users' : kind;
}
