import { performance } from 'node:perf_hooks';
import { percentiles } from './lib/bench/latency';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import type { AppClient } from './lib/stack/appClient';
import { startBenchStack } from './lib/stack/benchStack';
import { describeEmulatorMode, detectEmulatorMode } from './lib/stack/emulatorMode';

const spec: CliSpec = {
  name: 'bench:loop',
  description:
    "The whole loop as an app sees it, through the emulators: a signed-in client's acceptFocusSession until its snapshot listener on streaks/{uid} sees the new version (callable → PostgreSQL → outbox → Pub/Sub → projectStreak → Firestore). Prints the cold first call and p50/p99 warm; stops everything it started.",
  flags: [
    { flag: '--accepts', value: '<n>', int: { min: 1, max: 10_000 }, default: 200, description: 'warm accepts measured, one at a time' },
    { flag: '--users', value: '<n>', int: { min: 1, max: 100 }, default: 4, description: 'signed-in users the accepts rotate over' },
  ],
};

/** Milliseconds from the call until the client's listener sees `streaks/{uid}` at the answer's version. */
async function acceptAndWatch(client: AppClient, uid: string, request: Record<string, unknown>): Promise<number> {
  let seen = 0;
  let wake: (() => void) | undefined;
  // Open, and answered by the server, before the call: as on an app's streak screen (see watchStreakDocument).
  const stop = await client.watchStreakDocument(uid, (data) => {
    seen = Math.max(seen, Number(data?.version ?? 0));
    wake?.();
  });
  try {
    const started = performance.now();
    const { streak } = await client.acceptFocusSession(request);
    const deadline = started + 30_000;
    while (seen < streak.version) {
      if (performance.now() > deadline) throw new Error(`streaks/${uid} did not reach version ${streak.version} within 30 s`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1_000);
      });
    }
    return performance.now() - started;
  } finally {
    stop();
  }
}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { accepts: number; users: number };
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) cli.problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own database there)');
  const mode = detectEmulatorMode();
  if (mode.kind === 'none') cli.problems.push(`the loop needs the Firestore and Pub/Sub emulators: ${mode.reason}`);
  if (cli.problems.length > 0 || !serverUrl || mode.kind === 'none') throw new UsageError(cli.problems, spec.name);

  for (const line of describeEmulatorMode(mode)) console.log(line);
  const bench = await startBenchStack({ serverUrl, prefix: 'bench_loop', mode, firestore: true });
  try {
    const users = await Promise.all(
      Array.from({ length: opts.users }, async (_, u) => {
        const client = bench.client(`loop-${u}`);
        return { client, uid: await client.signIn(`loop-${u}@example.com`) };
      }),
    );
    const nowMs = Date.now();
    // Each accept is a new qualifying day further back, so every one changes the streak and is projected.
    const session = (u: number, k: number) => {
      const startMs = nowMs - (k + 1) * 86_400_000;
      return { sessionId: `loop-${u}-${k}`, startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 31 * 60_000).toISOString(), timezone: 'UTC' };
    };
    const cold = await acceptAndWatch(users[0].client, users[0].uid, session(0, 0));
    console.log(`cold first call (function workers start, Firestore and Pub/Sub clients connect): ${cold.toFixed(0)} ms`);
    const warm: number[] = [];
    const counters = users.map(() => 1);
    const started = performance.now();
    for (let i = 0; i < opts.accepts; i++) {
      const u = i % users.length;
      warm.push(await acceptAndWatch(users[u].client, users[u].uid, session(u, counters[u]++)));
    }
    const p = percentiles(warm, [50, 90, 99]);
    console.log(`\nbench:loop: ${warm.length} warm accepts over ${users.length} users in ${((performance.now() - started) / 1000).toFixed(1)} s, accept → snapshot at the new version`);
    console.log(`  p50 ${p.p50} ms  p90 ${p.p90} ms  p99 ${p.p99} ms  max ${Math.max(...warm).toFixed(1)} ms   (target p50 ≤ 150 ms)`);
    console.log(JSON.stringify({ mode: mode.kind, accepts: warm.length, users: users.length, coldMs: Number(cold.toFixed(1)), ...p }));
    return 0;
  } finally {
    await bench.stop();
  }
});
