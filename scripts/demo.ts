import { Command } from 'commander';
import { FirebaseError } from 'firebase/app';
import type { AcceptFocusSessionResponse, Streak } from '../functions/src/contract/callables';
import { addDays, localDateOf, startOfLocalDate } from '../functions/src/domain';
import { createAppClient } from './lib/appClient';
import { runCli } from './lib/cli';
import { DEMO_PROJECT, REPO_ROOT } from './lib/emulators';

const program = new Command('demo')
  .description('Plays a mobile app against the running local stack (npm start): signs in, records a week of focus, prints the streak.')
  .option('--timezone <zone>', 'the demo user\'s time zone', 'Europe/Paris');

const MIN = 60_000;

runCli(async () => {
  const { timezone } = program.parse().opts<{ timezone: string }>();
  const firebaseJson = require(`${REPO_ROOT}/firebase.json`) as { emulators: { auth: { port: number }; functions: { port: number } } };
  const app = createAppClient({ projectId: DEMO_PROJECT, authPort: firebaseJson.emulators.auth.port, functionsPort: firebaseJson.emulators.functions.port });
  try {
    const email = `demo-${Date.now()}@example.com`;
    const uid = await app.signIn(email).catch((error: unknown) => {
      throw new Error(`cannot reach the Auth emulator (${(error as Error).message}); start the local stack first with: npm start`);
    });
    console.log(`signed in as ${email} (uid ${uid}), time zone ${timezone}\n`);

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
      console.log(`${label.padEnd(58)} ${describe(result)}`);
    }
    const mine = await app.getMyStreak();
    console.log(`\ngetMyStreak: ${mine.active ? 'alive' : 'broken'}, ${show(mine)}`);
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

function describe(result: AcceptFocusSessionResponse): string {
  return `${result.accepted ? 'accepted ' : 'duplicate'}  ${show(result.streak)}`;
}

function show(s: Streak): string {
  const expires = s.streakExpiresAt ? new Date(s.streakExpiresAt).toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '-';
  return `streak ${s.currentStreak} (longest ${s.longestStreak}, ${s.qualifiedDaysCount} days) last ${s.lastQualifiedDate ?? '-'} expires ${expires} v${s.version}`;
}
