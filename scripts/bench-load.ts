import { performance } from 'node:perf_hooks';
import { percentiles } from './lib/bench/latency';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { startBenchStack } from './lib/stack/benchStack';

const spec: CliSpec = {
  name: 'bench:load',
  description:
    'Many signed-in users through the Functions emulator with the Firebase client SDK, as apps call it: mixed acceptFocusSession and getMyStreak for a bounded time, on a scratch database of DATABASE_URL\'s server. Prints requests/s, p50/p99 and errors by code; stops everything it started.',
  flags: [
    { flag: '--users', value: '<n>', int: { min: 1, max: 1000 }, default: 50, description: 'signed-in users, each with one request in flight' },
    { flag: '--seconds', value: '<n>', int: { min: 1, max: 3600 }, default: 20, description: 'measured duration' },
    { flag: '--emulator-workers', value: '<n>', int: { min: 1, max: 100 }, default: 4, description: 'requests the Functions emulator runs at once (one worker process each; the rest queue)' },
    { flag: '--accept-percent', value: '<n>', int: { min: 0, max: 100 }, default: 50, description: 'share of requests that are acceptFocusSession (the rest getMyStreak)' },
  ],
};

const WARM_WAVE = 4;

interface Sample {
  fn: 'acceptFocusSession' | 'getMyStreak';
  ms: number;
  code: string;
}

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const opts = cli.values as { users: number; seconds: number; acceptPercent: number; emulatorWorkers: number };
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) cli.problems.push('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops its own database there)');
  if (cli.problems.length > 0 || !serverUrl) throw new UsageError(cli.problems, spec.name);

  const emulatorLog: string[] = [];
  console.log('building functions and starting Auth and Functions emulators on a scratch database…');
  const bench = await startBenchStack({
    serverUrl,
    prefix: 'bench_load',
    mode: { kind: 'none', reason: 'bench:load needs Auth and Functions only' },
    // The Functions emulator ignores `concurrency`: each request in flight gets a worker process of its own
    // (firebase-tools#5503), and 50 processes loading index.js at once on two cores time out. Its work queue
    // bounds them; the others wait in it, which the latencies below include.
    env: { FUNCTIONS_EMULATOR_PARALLEL: String(opts.emulatorWorkers) },
    onLine: (line) => void (emulatorLog.push(line), emulatorLog.length > 200 && emulatorLog.shift()),
  });
  try {
    console.log(`signing in ${opts.users} users…`);
    const clients = await Promise.all(
      Array.from({ length: opts.users }, async (_, u) => {
        const client = bench.client(`load-${u}`);
        await client.signIn(`load-${u}@example.com`);
        return client;
      }),
    );
    // One call each first: cold starts are not what this measures.
    const warm = performance.now();
    const warmStart = Date.now() - 30 * 86_400_000;
    const warmSession = (u: number) => ({ sessionId: `warm-${u}`, startTime: new Date(warmStart).toISOString(), endTime: new Date(warmStart + 60_000).toISOString(), timezone: 'UTC' });
    // In small waves: the emulator starts one worker per request in flight, and 50 cold loads at once on a
    // small machine time out ("Failed to load function"); once started, workers are reused.
    for (let i = 0; i < clients.length; i += WARM_WAVE) {
      await Promise.all(clients.slice(i, i + WARM_WAVE).map(async (c, j) => (await c.getMyStreak(), await c.acceptFocusSession(warmSession(i + j)))));
    }
    console.log(`warm-up: ${opts.users} getMyStreak and acceptFocusSession in ${((performance.now() - warm) / 1000).toFixed(1)} s`);

    console.log(`load: ${opts.users} users for ${opts.seconds} s, ${opts.acceptPercent}% acceptFocusSession, ${opts.emulatorWorkers} emulator workers`);
    const samples: Sample[] = [];
    const started = performance.now();
    const end = started + opts.seconds * 1000;
    const nowMs = Date.now();
    await Promise.all(
      clients.map(async (client, u) => {
        let k = 0;
        while (performance.now() < end) {
          const accept = Math.random() * 100 < opts.acceptPercent;
          // Sessions walk back from now, 40 minutes apart: each one new, each one valid.
          const startMs = nowMs - (k + 1) * 40 * 60_000;
          const t = performance.now();
          const code = await (accept
            ? client.acceptFocusSession({ sessionId: `load-${u}-${k++}`, startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 35 * 60_000).toISOString(), timezone: 'Europe/Paris' })
            : client.getMyStreak()
          ).then(
            () => 'ok',
            (e: { code?: string }) => String(e?.code ?? 'thrown').replace(/^functions\//, ''),
          );
          samples.push({ fn: accept ? 'acceptFocusSession' : 'getMyStreak', ms: performance.now() - t, code });
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    printReport(samples, elapsedS, opts);
    return samples.some((s) => s.code !== 'ok') ? 1 : 0;
  } catch (error) {
    if (emulatorLog.length) console.error(`last emulator output:\n${emulatorLog.slice(-40).join('\n')}`);
    throw error;
  } finally {
    console.log('stopping…');
    await bench.stop();
  }
});

function printReport(samples: Sample[], elapsedS: number, opts: { users: number; seconds: number; emulatorWorkers: number }): void {
  const line = (label: string, list: Sample[]) => {
    const ok = list.filter((s) => s.code === 'ok');
    const p = percentiles(ok.map((s) => s.ms), [50, 99]);
    return `  ${label.padEnd(20)} ${String(list.length).padStart(7)} requests  ${(list.length / elapsedS).toFixed(1).padStart(7)} req/s  p50 ${p.p50} ms  p99 ${p.p99} ms  (${ok.length} ok)`;
  };
  const errors = samples.filter((s) => s.code !== 'ok').reduce<Record<string, number>>((acc, s) => ((acc[s.code] = (acc[s.code] ?? 0) + 1), acc), {});
  console.log(`\nbench:load — ${opts.users} users, ${elapsedS.toFixed(1)} s, Firebase client SDK → Functions emulator (${opts.emulatorWorkers} workers) → PostgreSQL`);
  console.log(line('all', samples));
  console.log(line('acceptFocusSession', samples.filter((s) => s.fn === 'acceptFocusSession')));
  console.log(line('getMyStreak', samples.filter((s) => s.fn === 'getMyStreak')));
  console.log(`  errors by code: ${Object.keys(errors).length ? JSON.stringify(errors) : 'none'}`);
  console.log(JSON.stringify({ users: opts.users, emulatorWorkers: opts.emulatorWorkers, seconds: Number(elapsedS.toFixed(1)), requests: samples.length, requestsPerSecond: Number((samples.length / elapsedS).toFixed(1)), ...percentiles(samples.filter((s) => s.code === 'ok').map((s) => s.ms), [50, 99]), errors }));
}
