import { writeFileSync } from 'node:fs';
import { readConfig } from '../functions/src/config';
import { adminFirestore } from '../functions/src/firebase/firestore';
import { firestoreStore } from './lib/backfill/firestoreStore';
import { storeSource } from './lib/backfill/firestoreSource';
import { ndjsonSource } from './lib/backfill/ndjsonSource';
import { withDatabase } from './lib/cli/database';
import { firestoreReachable, oneSource, readableFile, writableFile } from './lib/cli/fileFlags';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { recordVerifyResult, MISMATCH_SAMPLE_MAX, type VerifyMismatch } from '../functions/src/db/verifyResults';
import { verifyParity, type ParityReport } from './lib/verify/verifyParity';

const spec: CliSpec = {
  name: 'verify',
  description: 'Parity report between legacy Firestore streaks/{userId} and the SQL streaks. Differences the legacy rules explain (late sessions ignored) are reported apart from real mismatches. A user with a day start is compared with the midnight rule the legacy app kept, applied to their SQL sessions. Each result is also stored in SQL, where npm run status reads the last one.',
  flags: [
    { flag: '--from-file', value: '<path>', description: 'NDJSON export holding streaks/{userId} (and, for session counts, sessions) documents' },
    { flag: '--from-firestore', description: 'read the streaks collection with firebase-admin' },
    { flag: '--collection', value: '<id>', default: 'streaks', description: 'legacy streaks collection' },
    { flag: '--limit', value: '<n>', int: { min: 0, max: 10_000 }, default: 20, description: 'differences (and unreadable documents) to list' },
    { flag: '--batch-size', value: '<n>', int: { min: 1, max: 10_000 }, default: 1000, description: 'documents per page' },
    { flag: '--fail-on-mismatch', description: 'exit 1 when any mismatch or missing user remains (for pipelines)' },
    { flag: '--report', value: '<file.json>', description: 'write the JSON report here' },
  ],
};

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as { fromFile?: string; fromFirestore?: boolean; collection: string; limit: number; batchSize: number; failOnMismatch?: boolean; report?: string };
  const config = readConfig();
  const problems = cli.problems;
  oneSource(flags, problems);
  const file = readableFile(flags.fromFile, '--from-file', problems);
  if (flags.fromFirestore) firestoreReachable(config.google.firestore, problems);
  const reportFile = writableFile(flags.report, '--report', problems);
  if (problems.length > 0) throw new UsageError(problems, spec.name);

  const source = file
    ? ndjsonSource(file, { collection: flags.collection })
    : storeSource(await firestoreStore(await adminFirestore(config), { collection: flags.collection }), { ranges: [{ from: null, to: null }], fingerprint: {} });

  return withDatabase(async (db) => {
    const mismatches: VerifyMismatch[] = [];
    const onMismatch = (d: ParityReport['differences'][number]) => {
      if (mismatches.length < MISMATCH_SAMPLE_MAX) mismatches.push({ userId: d.userId, verdict: d.verdict, differences: d.differences });
    };
    const report = await verifyParity(db.pool, source, { limit: flags.limit, batchSize: flags.batchSize, qualifySeconds: config.qualifySeconds, collection: flags.collection, onMismatch });
    console.log(formatParity(report, source.describe));
    if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    // Kept in SQL too, so `npm run status` knows the last verify without the report file.
    const counts = { legacyDocuments: report.legacyDocuments, legacyUsers: report.legacyUsers, midnightRuleUsers: report.midnightRuleUsers, ...report.verdicts };
    await recordVerifyResult(db.pool, { source: source.describe, counts, mismatches }, config.retentionDays);
    const failing = report.verdicts.mismatch + report.verdicts.missing_in_sql + report.verdicts.missing_in_legacy;
    return flags.failOnMismatch && failing > 0 ? 1 : 0;
  });
});

function formatParity(r: ParityReport, source: string): string {
  const v = r.verdicts;
  const lines = [
    `parity of ${r.legacyDocuments} legacy streak documents (${source}) with SQL: ${r.legacyUsers} compared, ${v.unreadable} unreadable`,
    `  equal              ${v.equal}`,
    `  legacy late data   ${v.legacy_late_data}   (SQL ahead: the legacy app ignored late sessions)`,
    `  MISMATCH           ${v.mismatch}`,
    `  missing in SQL     ${v.missing_in_sql}`,
    `  unreadable legacy  ${v.unreadable}   (listed below; not compared)`,
    `  missing in legacy  ${v.missing_in_legacy}`,
    `    (SQL streaks without a legacy document: not among the ${r.legacyDocuments} above)`,
    `  by midnight rule   ${r.midnightRuleUsers}   (of those compared: users with a day start, held to the legacy midnight rule over their SQL sessions, not to their stored streak)`,
    '  per field (equal / different):',
    ...Object.entries(r.fields).map(([f, c]) => `    ${f.padEnd(20)} ${c.equal} / ${c.different}`),
  ];
  if (r.differences.length > 0) {
    lines.push(`  first ${r.differences.length} differences:`);
    for (const d of r.differences) {
      lines.push(`    ${d.userId} [${d.verdict}] ${d.differences.map((x) => `${x.field}: legacy ${x.legacy} vs sql ${x.sql}`).join(', ')}`);
    }
  }
  if (r.unreadable.length > 0) {
    lines.push(`  unreadable legacy documents${r.unreadable.length < v.unreadable ? ` (first ${r.unreadable.length})` : ''}:`);
    for (const u of r.unreadable) lines.push(`    ${u.path}: ${u.why}`);
  }
  if (r.unreadableLines.count > 0) {
    lines.push(`  ${r.unreadableLines.count} export lines were no document at all (not counted above):`);
    for (const u of r.unreadableLines.examples) lines.push(`    ${u.path}: ${u.why}`);
  }
  if (r.sessionCounts) {
    lines.push(`  session counts: ${r.sessionCounts.different} of ${r.sessionCounts.compared} users differ (legacy lines vs SQL sessions + rejects)`);
    for (const e of r.sessionCounts.examples) lines.push(`    ${e.userId}: legacy ${e.legacy}, sql ${e.sql}, rejected ${e.rejected}`);
  }
  return lines.join('\n');
}
