import { FirebaseError } from 'firebase/app';
import type { DocumentData } from 'firebase/firestore';
import type { Streak } from '../functions/src/contract/callables';
import { addDays, isValidTimeZone, localDateOf, startOfLocalDate } from '../functions/src/domain';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { createAppClient } from './lib/stack/appClient';
import { LOOPBACK, portInUse, portsFromFirebaseJson } from './lib/stack/ports';

const spec: CliSpec = {
  name: 'demo',
  description: 'Plays a mobile app against the running local stack (npm start): signs in, records a week of focus, and shows each callable answer beside the streaks/{uid} document the app watches.',
  flags: [{ flag: '--timezone', value: '<zone>', default: 'Europe/Paris', description: "the demo user's IANA time zone" }],
};

const MIN = 60_000;
// The first projection waits for cold function workers and clients; on a slow machine right after `npm start` that takes seconds.
const PROJECTION_WAIT_MS = 30_000;

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  if (!isValidTimeZone(String(cli.values.timezone))) cli.problems.push(`--timezone must be an IANA time zone, got ${JSON.stringify(cli.values.timezone)}`);
  if (cli.problems.length > 0) throw new UsageError(cli.problems, spec.name);
  const timezone = String(cli.values.timezone);
  const ports = portsFromFirebaseJson();
  // Probe the ports first: the SDK would retry for half a minute before it gave up.
  for (const [name, port] of [['Auth', ports.auth], ['Functions', ports.functions]] as const) {
    if (!(await portInUse(port))) {
      console.error(`error: the local stack is not running (no ${name} emulator on ${LOOPBACK}:${port}); start it with: npm start`);
      return 1;
    }
  }
  const projection = (await portInUse(ports.firestore)) && (await portInUse(ports.pubsub));
  const app = createAppClient({ authPort: ports.auth, functionsPort: ports.functions, firestorePort: projection ? ports.firestore : null });
  try {
    const email = `demo-${Date.now()}@example.com`;
    const uid = await app.signIn(email);
    console.log(`signed in as ${email} (uid ${uid}), time zone ${timezone}`);
    let latest: DocumentData | undefined;
    let unsubscribe = () => {};
    if (projection) {
      console.log(`watching streaks/${uid} in the Firestore emulator (${LOOPBACK}:${ports.firestore}) as the app would\n`);
      // Open before the first call: a listen opened while the projection commits may never see it.
      unsubscribe = await app.watchStreakDocument(uid, (data) => (latest = data), (error) => console.error(`listener: ${error.message}`));
    } else {
      console.log(`the projection is off: no Firestore and Pub/Sub emulators on ${LOOPBACK}:${ports.firestore} and :${ports.pubsub} (npm start says why); streak updates wait in the SQL outbox\n`);
    }
    const documentAt = async (version: number) => {
      if (!projection) return '';
      const deadline = Date.now() + PROJECTION_WAIT_MS;
      while ((latest?.version ?? 0) < version && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return `\n${' '.repeat(60)}document: ${latest ? showDocument(latest) : 'none yet'}`;
    };

    const today = localDateOf(Date.now(), timezone);
    const at = (daysAgo: number, hour: number, minute = 0) => startOfLocalDate(addDays(today, -daysAgo), timezone) + (hour * 60 + minute) * MIN;
    const steps: Array<[string, string, number, number]> = [
      ['6 days ago, 45 min of deep work', 'd6', at(6, 9), at(6, 9, 45)],
      ['5 days ago, 30 min exactly', 'd5', at(5, 14), at(5, 14, 30)],
      ['4 days ago, only 20 min (not enough)', 'd4a', at(4, 8), at(4, 8, 20)],
      ['3 days ago, 50 min', 'd3', at(3, 10), at(3, 10, 50)],
      ['2 days ago 23:30 to 1 day ago 00:45, across midnight', 'night', at(2, 23, 30), at(1, 0, 45)],
      ['just now, the last 35 min', 'd0', Date.now() - 35 * MIN, Date.now()],
      ['4 days ago, 15 more min, synced late from a tablet', 'd4b', at(4, 19), at(4, 19, 15)],
      ['the same session again (a retry)', 'd4b', at(4, 19), at(4, 19, 15)],
    ];
    for (const [label, id, startMs, endMs] of steps) {
      const result = await app.acceptFocusSession({ sessionId: `${uid.slice(0, 8)}-${id}`, startTime: new Date(startMs).toISOString(), endTime: endMs, timezone });
      console.log(`${label.padEnd(58)}  ${result.accepted ? 'accepted ' : 'duplicate'}  ${show(result.streak)}${await documentAt(result.streak.version)}`);
    }
    const mine = await app.getMyStreak();
    console.log(`\ngetMyStreak: ${mine.active ? 'alive' : 'broken'}, ${show(mine)}`);
    if (projection) {
      const same = latest?.version === mine.version && latest?.currentStreak === mine.currentStreak;
      console.log(`streaks/${uid}: ${latest ? showDocument(latest) : 'none'}${same ? '  (equal to getMyStreak)' : '  (not yet at getMyStreak\'s version: is the projection running?)'}`);
    }
    unsubscribe();
    try {
      await app.acceptFocusSession({ sessionId: 'bad id', startTime: 'yesterday', endTime: 0, timezone: 'Mars/Base' });
    } catch (error) {
      const e = error as FirebaseError & { details?: { issues: Array<{ field: string; code: string }> } };
      console.log(`a malformed call is refused: ${e.code} ${JSON.stringify(e.details?.issues.map((i) => `${i.field}:${i.code}`))}`);
    }
    return 0;
  } finally {
    await app.close();
  }
});

function show(s: Streak): string {
  const expires = s.streakExpiresAt ? new Date(s.streakExpiresAt).toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '-';
  return `streak ${s.currentStreak} (longest ${s.longestStreak}, ${s.qualifiedDaysCount} days) last ${s.lastQualifiedDate ?? '-'} expires ${expires} v${s.version}`;
}

function showDocument(d: DocumentData): string {
  const expires = d.streakExpiresAt?.toDate ? d.streakExpiresAt.toDate().toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '-';
  return `v${d.version} streak ${d.currentStreak} (longest ${d.longestStreak}, ${d.qualifiedDaysCount} days) last ${d.lastQualifiedDate ?? '-'} expires ${expires} (Timestamp)`;
}
