import { existsSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { readConfig } from '../functions/src/config';
import { adminFirestore } from '../functions/src/firebase/firestore';
import { runCli, UsageError } from './lib/cli';
import { withDatabase } from './lib/database';
import { firestoreStore } from './lib/firestoreStore';
import { storeSource } from './lib/firestoreSource';
import { ndjsonSource } from './lib/ndjsonSource';
import { verifyParity, type ParityReport } from './lib/verifyParity';

const program = new Command('verify')
  .description('Parity report between legacy Firestore streaks/{userId} and the SQL streaks. Differences the legacy rules explain (late sessions ignored) are reported apart from real mismatches.')
  .option('--from-file <path>', 'NDJSON export holding streaks/{userId} (and, for session counts, sessions) documents')
  .option('--from-firestore', 'read the streaks collection with firebase-admin')
  .option('--collection <id>', 'legacy streaks collection', 'streaks')
  .option('--limit <n>', 'differences to list', '20')
  .option('--batch-size <n>', 'documents per page', '1000')
  .option('--fail-on-mismatch', 'exit 1 when any mismatch or missing user remains (for pipelines)')
  .option('--report <file.json>', 'write the JSON report here')
  .showHelpAfterError();

const count = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);

runCli(async () => {
  const flags = program.parse().opts<{ fromFile?: string; fromFirestore?: boolean; collection: string; limit: string; batchSize: string; failOnMismatch?: boolean; report?: string }>();
  const config = readConfig();
  const problems: string[] = [];
  if (Boolean(flags.fromFile) === Boolean(flags.fromFirestore)) problems.push('give exactly one source: --from-file <export.ndjson> or --from-firestore');
  if (flags.fromFile && !existsSync(flags.fromFile)) problems.push(`--from-file: ${flags.fromFile} does not exist`);
  if (flags.fromFirestore && !config.google.firestore) problems.push('--from-firestore: no Firestore here; set FIRESTORE_EMULATOR_HOST or real credentials');
  const limit = count(flags.limit);
  const batchSize = count(flags.batchSize);
  if (!(limit >= 0 && limit <= 10_000)) problems.push('--limit must be an integer from 0 to 10000');
  if (!(batchSize >= 1 && batchSize <= 10_000)) problems.push('--batch-size must be an integer from 1 to 10000');
  if (problems.length > 0) throw new UsageError(problems);

  const source = flags.fromFile
    ? ndjsonSource(flags.fromFile, { collection: flags.collection })
    : storeSource(await firestoreStore(await adminFirestore(config), { collection: flags.collection }), { ranges: [{ from: null, to: null }], fingerprint: {} });

  return withDatabase(async (db) => {
    const report = await verifyParity(db.pool, source, { limit, batchSize });
    console.log(formatParity(report, source.describe));
    if (flags.report) writeFileSync(flags.report, JSON.stringify(report, null, 2) + '\n');
    const failing = report.verdicts.mismatch + report.verdicts.missing_in_sql + report.verdicts.missing_in_legacy;
    return flags.failOnMismatch && failing > 0 ? 1 : 0;
  });
});

function formatParity(r: ParityReport, source: string): string {
  const v = r.verdicts;
  const lines = [
    `parity of ${r.legacyUsers} legacy streaks (${source}) with SQL`,
    `  equal              ${v.equal}`,
    `  legacy late data   ${v.legacy_late_data}   (SQL ahead: the legacy app ignored late sessions)`,
    `  MISMATCH           ${v.mismatch}`,
    `  missing in SQL     ${v.missing_in_sql}`,
    `  missing in legacy  ${v.missing_in_legacy}`,
    `  unreadable legacy  ${v.unreadable}`,
    '  per field (equal / different):',
    ...Object.entries(r.fields).map(([f, c]) => `    ${f.padEnd(20)} ${c.equal} / ${c.different}`),
  ];
  if (r.differences.length > 0) {
    lines.push(`  first ${r.differences.length} differences:`);
    for (const d of r.differences) {
      lines.push(`    ${d.userId} [${d.verdict}] ${d.differences.map((x) => `${x.field}: legacy ${x.legacy} vs sql ${x.sql}`).join(', ')}`);
    }
  }
  if (r.sessionCounts) {
    lines.push(`  session counts: ${r.sessionCounts.different} of ${r.sessionCounts.compared} users differ (legacy lines vs SQL sessions + rejects)`);
    for (const e of r.sessionCounts.examples) lines.push(`    ${e.userId}: legacy ${e.legacy}, sql ${e.sql}, rejected ${e.rejected}`);
  }
  return lines.join('\n');
}
