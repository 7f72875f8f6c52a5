import { writeFileSync } from 'node:fs';
import { deleteAccount } from '../functions/src/account/deleteAccount';
import { readConfig } from '../functions/src/config';
import { isUsableUserId } from '../functions/src/contract/userId';
import { countUserData } from '../functions/src/db/accountData';
import { tombstonesOf } from '../functions/src/db/deletedUsers';
import { createAccountDocuments, type AccountDocuments } from '../functions/src/firebase/accountDocuments';
import { withDatabase } from './lib/cli/database';
import { writableFile } from './lib/cli/fileFlags';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';

const spec: CliSpec = {
  name: 'delete-user',
  description:
    "Delete everything stored about one user, as deleteMyData and the Firebase Auth deletion trigger do: every SQL row in one transaction (an id-only tombstone is kept), the legacy Firestore sessions whose userId is theirs and users/{uid}, and streaks/{uid} becomes an id-only tombstone. Idempotent. Firestore is touched only with FIRESTORE_EMULATOR_HOST or real credentials; without them the Firestore part is recorded for the deployed finishAccountDeletions.",
  flags: [
    { flag: '--user', value: '<uid>', description: 'the Firebase Auth uid of the user (required)' },
    { flag: '--confirm', description: 'required to delete: nothing is deleted without it' },
    { flag: '--account-deleted', description: 'the Firebase Auth account is gone too (as the Auth trigger records it): nothing is stored for this uid again' },
    { flag: '--dry-run', description: 'count what would be deleted, change nothing' },
    { flag: '--report', value: '<file.json>', description: 'write the JSON report here' },
  ],
};

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as { user?: string; confirm?: boolean; dryRun?: boolean; report?: string; accountDeleted?: boolean };
  const problems = cli.problems;
  if (flags.user === undefined) problems.push('--user <uid> is required');
  else if (!isUsableUserId(flags.user) || flags.user.trim() !== flags.user) problems.push(`--user: ${JSON.stringify(flags.user.slice(0, 40))} is not a uid (1-128 characters that name one document: no "/", NUL or surrounding spaces)`);
  if (flags.accountDeleted && flags.dryRun) problems.push('--account-deleted only goes with --confirm');
  if (!flags.confirm && !flags.dryRun) problems.push('--confirm is required to delete (or --dry-run to count)');
  if (flags.confirm && flags.dryRun) problems.push('--confirm and --dry-run exclude each other');
  const reportFile = writableFile(flags.report, '--report', problems);
  if (problems.length > 0 || flags.user === undefined) throw new UsageError(problems, spec.name);
  const userId = flags.user;

  const config = readConfig();
  const documents: AccountDocuments | null = config.google.firestore ? await createAccountDocuments(config) : null;
  if (!documents) console.error('Firestore is not configured (no FIRESTORE_EMULATOR_HOST, no credentials): SQL only; the legacy documents and streaks/{uid} are recorded for finishAccountDeletions');

  return withDatabase(async (db) => {
    const started = Date.now();
    if (flags.dryRun) {
      const [sql, legacy, tombstone] = await Promise.all([countUserData(db.pool, userId), documents?.countLegacy(userId) ?? null, tombstonesOf(db.pool, [userId])]);
      const report = { dryRun: true, userId, wouldDelete: { sql, firestore: legacy }, alreadyDeletedAt: tombstone.get(userId)?.deletedAt ?? null };
      console.log(`would delete for ${userId}: ${sql.sessions} sessions, ${sql.days} days, ${sql.friendships} friendships, ${sql.requests} friend requests, ${sql.outbox} outbox rows, ${sql.rejects} backfill rejects${sql.streak ? ', the streak' : ''}`);
      if (legacy) console.log(`would delete in Firestore: ${legacy.sessions} legacy sessions${legacy.user ? ', users/' + userId : ''}, and tombstone streaks/${userId}`);
      if (report.alreadyDeletedAt) console.log(`this user's data was already deleted at ${report.alreadyDeletedAt}`);
      if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const result = await deleteAccount(userId, { db: db.pool, documents, now: Date.now, by: 'delete-user', accountDeleted: flags.accountDeleted === true });
    const report = { dryRun: false, userId, ...result, durationMs: Date.now() - started };
    const d = result.deleted;
    console.log(`deleted for ${userId} in ${report.durationMs} ms: ${d.sessions} sessions, ${d.days} days, ${d.friendships} friendships, ${d.requests} friend requests (one transaction; tombstone kept: version floor ${result.versionFloor})`);
    if (result.documents) {
      console.log(`Firestore: ${result.documents.sessions} legacy sessions deleted${result.documents.user ? ', users/' + userId + ' deleted' : ''}; streaks/${userId} ${result.documents.streak === 'tombstoned' ? 'is an id-only tombstone' : 'kept: the user recorded again since'}`);
    }
    if (reportFile) writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    return 0;
  });
});
