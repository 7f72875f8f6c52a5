import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { migrationState } from '../../../scripts/test/support/snapshot';
import { runScript, type ScriptResult } from '../../../scripts/test/support/runScript';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { databaseOf, startBackendKiller } from './support/backendKiller';
import { derivedStateMismatches } from './support/recomputeCheck';

// A backfill while PostgreSQL "restarts": the backends of its database are terminated again and again.
// Each run either completes or stops; `--resume` continues it; the end state is exactly that of an
// undisturbed run of the same export, and a recompute from focus_sessions finds nothing counted twice.
const USERS = 60;
const SESSIONS_PER_USER = 25;
const RUN_ID = 'faults-backfill';
const KILL_EVERY_MS = 250;
const MAX_RUNS = 25;

let dir: string;
let file: string;
let calm: TestDatabase;
let disturbed: TestDatabase;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'faults-backfill-'));
  file = path.join(dir, 'sessions.ndjson');
  const lines: string[] = [];
  for (let u = 0; u < USERS; u++) {
    for (let k = 0; k < SESSIONS_PER_USER; k++) {
      const start = Date.parse('2025-01-01T08:00:00Z') + k * 86_400_000 + (u % 7) * 3_600_000;
      lines.push(JSON.stringify({ path: `users/u${u}/sessions/s${k}`, data: { startTime: new Date(start).toISOString(), endTime: new Date(start + (20 + ((u + k) % 3) * 10) * 60_000).toISOString(), timezone: 'Europe/Paris' } }));
    }
  }
  lines.push('{"path":"users/u1/sessions/bad","data":{"startTime":"1999-01-01T00:00:00Z","endTime":"1999-01-01T01:00:00Z","timezone":"UTC"}}');
  writeFileSync(file, `${lines.join('\n')}\n`);
  [calm, disturbed] = await Promise.all([createTestDatabase({ poolSize: 2 }), createTestDatabase({ poolSize: 2 })]);
});
afterAll(async () => {
  await Promise.all([calm?.close(), disturbed?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const args = ['sessions', '--from-file', () => file, '--collection-group', 'sessions', '--batch-size', '40', '--rebuild-chunk', '15'] as const;
const fresh = () => args.map((a) => (typeof a === 'function' ? a() : a));
const runExists = (db: TestDatabase) => db.pool.exists(sql.type(z.object({ x: z.number() }))`select 1 as x from backfill_runs where id = ${RUN_ID}`);
const runStatus = (db: TestDatabase) => db.pool.maybeOneFirst(sql.type(z.object({ status: z.string() }))`select status from backfill_runs where id = ${RUN_ID}`);

it('resumes to the exact final state of an undisturbed run while the database backends are killed', async () => {
  const undisturbed = await runScript('backfill.ts', [...fresh(), '--run-id', RUN_ID], calm.url);
  if (undisturbed.code !== 0) throw new Error(`undisturbed backfill failed:\n${undisturbed.stdout}\n${undisturbed.stderr}`);
  const expected = await migrationState(calm.pool);

  const killer = startBackendKiller(process.env.DATABASE_URL as string, databaseOf(disturbed.url), KILL_EVERY_MS);
  await killer.start();
  const runs: Array<{ kind: 'fresh' | 'resume'; code: number | null; ms: number }> = [];
  let last: ScriptResult | undefined;
  let killed = { rounds: 0, kills: 0 };
  let killing = true;
  for (let attempt = 0; attempt < MAX_RUNS; attempt++) {
    // The first runs meet the killer; from the fifth on it has stopped, as a restarted server comes back.
    if (attempt === 4 && killing) {
      killed = await killer.stop();
      killing = false;
    }
    const exists = await runExists(disturbed).catch(() => null);
    if (exists === null) continue;
    const kind = exists ? 'resume' : 'fresh';
    const started = Date.now();
    last = await runScript('backfill.ts', exists ? ['sessions', '--resume', RUN_ID] : [...fresh(), '--run-id', RUN_ID], disturbed.url);
    runs.push({ kind, code: last.code, ms: Date.now() - started });
    if (last.code === 0 && (await runStatus(disturbed).catch(() => null)) === 'completed') break;
  }
  if (killing) killed = await killer.stop();
  // eslint-disable-next-line no-console
  console.log(`faults (backfill): ${killed.kills} backends terminated in ${killed.rounds} rounds; runs ${runs.map((r) => `${r.kind}→${r.code} (${r.ms} ms)`).join(', ')}`);

  expect(last?.code).toBe(0);
  expect(await runStatus(disturbed)).toBe('completed');
  expect(killed.kills).toBeGreaterThan(0);
  expect(await migrationState(disturbed.pool)).toEqual(expected);
  expect(await derivedStateMismatches(disturbed.pool)).toEqual([]);
});
