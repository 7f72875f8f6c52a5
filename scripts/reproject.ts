import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { sql } from 'slonik';
import { z } from 'zod';
import { runCli, UsageError } from './lib/cli';
import { withDatabase } from './lib/database';
import { createProgress } from './lib/progress';
import { parseChunk, parseSelection } from './lib/userSelection';

const program = new Command('reproject')
  .description(
    'Queue the current streaks for the Firestore projection (one outbox row per user). A user whose current version still waits in the outbox is skipped; otherwise the version is bumped, because the projector ignores versions it already holds.',
  )
  .option('--all', 'every user with a computed streak')
  .option('--user <id...>', 'these users')
  .option('--chunk <n>', 'users per transaction (default 2000)')
  .option('--dry-run', 'count what would be queued, queue nothing')
  .option('--report <file.json>', 'write the JSON report here')
  .showHelpAfterError();

runCli(async () => {
  const flags = program.parse().opts<{ all?: boolean; user?: string[]; chunk?: string; dryRun?: boolean; report?: string }>();
  const problems: string[] = [];
  const selection = parseSelection(flags, problems);
  const chunk = parseChunk(flags.chunk, problems);
  if (problems.length > 0 || selection === null) throw new UsageError(problems);

  return withDatabase(async (db) => {
    const started = Date.now();
    const ids = 'all' in selection ? null : selection.ids;
    const eligible = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select count(*)::int as n from user_streaks s
      where (${ids === null ? null : sql.array(ids, 'text')}::text[] is null or s.user_id = any (${ids === null ? null : sql.array(ids, 'text')}::text[]))
        and s.version > 0
        and not exists (select from streak_outbox o where o.user_id = s.user_id and o.version = s.version and o.published_at is null and o.superseded_at is null)`);
    let queued = 0;
    if (!flags.dryRun) {
      const progress = createProgress({ label: 'reproject', total: eligible });
      // Keyset over user ids, one transaction per chunk.
      let after = '';
      for (;;) {
        const chunkIds = await db.pool.anyFirst(sql.type(z.object({ user_id: z.string() }))`
          select user_id from user_streaks
          where user_id > ${after} and (${ids === null ? null : sql.array(ids, 'text')}::text[] is null or user_id = any (${ids === null ? null : sql.array(ids, 'text')}::text[]))
          order by user_id limit ${chunk}`);
        if (chunkIds.length === 0) break;
        after = chunkIds[chunkIds.length - 1] as string;
        const rows = await db.pool.any(sql.type(z.object({ user_id: z.string() }))`
          select user_id from enqueue_streak_projection(${sql.array([...chunkIds], 'text')})`);
        queued += rows.length;
        progress.update(queued, queued);
      }
      progress.finish();
    }
    const report = { dryRun: Boolean(flags.dryRun), eligible, queued, durationMs: Date.now() - started };
    console.log(flags.dryRun ? `would queue ${eligible} streaks for projection` : `queued ${queued} streaks for projection (new versions) in ${(report.durationMs / 1000).toFixed(1)} s`);
    if (flags.report) writeFileSync(flags.report, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
