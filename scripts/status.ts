import { isIP } from 'node:net';
import { readConfig } from '../functions/src/config';
import { openScriptDatabase } from './lib/cli/database';
import { parseCommandLine, type CliSpec } from './lib/cli/flags';
import { runCli, UsageError } from './lib/cli/runCli';
import { failingConditions, parseConditions, type Condition } from './lib/status/failOn';
import { formatStatus } from './lib/status/formatStatus';
import { readStatus } from './lib/status/readStatus';
import { serveStatus } from './lib/status/serveStatus';

const SERVE_ONLY = ['port', 'host', 'refresh'] as const;

const spec: CliSpec = {
  name: 'status',
  description:
    "Where the migration stands: the runbook (docs/migration-runbook.md) step by step (✔ done, ✘ needs attention, … not yet), with the figures each check reads, from the database the other scripts use. Every figure comes from an index or a small table.",
  flags: [
    { flag: '--json', description: 'print the status as one JSON object (for programs and alerting)' },
    { flag: '--fail-on', value: '<condition>', variadic: true, description: 'exit 1 when any of these holds, e.g. mismatch,stale-verify,outbox-age>300 (see docs/migration-runbook.md for the list)' },
    { flag: '--serve', description: 'serve the status as a self-refreshing page (and /status.json) until Ctrl-C' },
    { flag: '--port', value: '<n>', int: { min: 0, max: 65_535 }, default: 8750, description: 'port of --serve (0: any free port)' },
    { flag: '--host', value: '<address>', default: '127.0.0.1', description: 'address --serve listens on; another interface than loopback only when named here' },
    { flag: '--refresh', value: '<seconds>', int: { min: 1, max: 3600 }, default: 10, description: 'how often the page refreshes' },
    { flag: '--read-only', description: 'write nothing (no hourly rollup, no outbox sample): for a read-only database user; recent hours are counted live' },
  ],
};

runCli(async () => {
  const cli = parseCommandLine(spec, process.argv.slice(2));
  if (cli.help) return void console.log(cli.text);
  const flags = cli.values as { json?: boolean; failOn?: string[]; serve?: boolean; port: number; host: string; refresh: number; readOnly?: boolean };
  const problems = cli.problems;
  let conditions: Condition[] = [];
  if (flags.failOn !== undefined) {
    const parsed = parseConditions(flags.failOn);
    if (parsed.ok) conditions = parsed.conditions;
    else problems.push(...parsed.problems);
  }
  if (flags.serve) {
    if (flags.json) problems.push('--json prints the status once; --serve serves it at /status.json instead: give one of them');
    if (flags.failOn !== undefined) problems.push('--fail-on checks the status once; it cannot be combined with --serve');
    if (cli.given.has('host') && isIP(flags.host) === 0 && flags.host !== 'localhost') problems.push(`--host takes an IP address (or localhost), got ${JSON.stringify(flags.host)}`);
  } else {
    for (const key of SERVE_ONLY) if (cli.given.has(key)) problems.push(`--${key} is an option of --serve`);
  }
  readConfig();
  if (problems.length > 0) throw new UsageError(problems, spec.name);

  const db = await openScriptDatabase();
  const read = () => readStatus({ db, nowMs: Date.now(), writes: !flags.readOnly });
  if (flags.serve) {
    const server = await serveStatus({ host: flags.host, port: flags.port, refreshSeconds: flags.refresh, read, onError: (e) => console.error(`status: ${e.message}`) });
    console.log(`status page of ${db.describe}: ${server.url} (Ctrl-C stops)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    await db.close();
    return 0;
  }
  try {
    const status = await read();
    console.log(flags.json ? JSON.stringify(status, null, 2) : formatStatus(status));
    const failing = failingConditions(status, conditions);
    for (const f of failing) console.error(`fail-on ${f.condition}: ${f.why}`);
    return failing.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
});
