import { z } from 'zod';
import type { BackfillRunStatus } from './backfillSection';
import type { SectionsStatus } from './sections';

/** done ✔, attention ✘ (something to fix or look at), waiting … (not yet, or under way). */
export const stepSchema = z.object({
  step: z.number().int(),
  title: z.string(),
  state: z.enum(['done', 'attention', 'waiting']),
  /** One line per figure the step is checked by. */
  figures: z.array(z.string()),
});
export type Step = z.infer<typeof stepSchema>;
export type StepState = Step['state'];

export const SYMBOL: Record<StepState, string> = { done: '✔', attention: '✘', waiting: '…' };

const n = (value: number) => value.toLocaleString('en-US');
const ago = (seconds: number | null) => {
  if (seconds === null) return 'never';
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
};
const unread = (section: string) => `${section}: could not be read (see problems)`;
const WEEK_MS = 7 * 86_400_000;
/** A mirror this far behind, or not run for this long with work pending, needs a look. */
const MIRROR_LAG_ATTENTION_SECONDS = 300;

function runLine(run: BackfillRunStatus): string {
  const c = run.counts as Record<string, unknown>;
  const num = (k: string) => (typeof c[k] === 'number' ? n(c[k] as number) : '0');
  const parts = [`${run.kind} run ${run.id}${run.shard ? ` shard ${run.shard}` : ''}${run.since ? ` since ${run.since.from}` : ''}: ${run.stalled ? 'STALLED' : run.status}`];
  if (run.progress !== null && run.status !== 'completed') parts.push(`${Math.floor(run.progress * 100)}% ${run.phase}`);
  parts.push(`read ${num('read')}, inserted ${num('inserted')}, duplicates ${num('duplicates')}, rejected ${num('rejected')}`);
  parts.push(`last progress ${run.lastProgressAt}`);
  return parts.join(', ');
}

/** The state of a group of runs: a stalled, failed or interrupted one needs attention; one running is under way; one completed is done. */
function runsState(runs: BackfillRunStatus[]): StepState {
  if (runs.some((r) => r.stalled || r.status === 'failed' || r.status === 'interrupted')) return 'attention';
  if (runs.some((r) => r.status === 'running')) return 'waiting';
  return runs.some((r) => r.status === 'completed') ? 'done' : 'waiting';
}

/** The runbook (docs/migration-runbook.md), step by step, each with its state and the figures its check reads (pure). */
export function runbookSteps(s: SectionsStatus): Step[] {
  const steps: Step[] = [];
  const add = (title: string, state: StepState, figures: string[]) => steps.push({ step: steps.length + 1, title, state, figures });
  const nowMs = Date.parse(s.at);
  const sessions = s.sessions;
  const source = (key: 'bySource' | 'last24h', name: string) => sessions?.[key][name] ?? 0;

  // 1. Deploy
  if (!s.migrations) add('Deploy', 'attention', [unread('migrations')]);
  else add('Deploy', s.migrations.pending === 0 ? 'done' : 'attention', [s.migrations.pending === 0 ? 'migrations: none pending' : `migrations: ${s.migrations.pending} pending (${s.migrations.files.join(', ')}): run npm run migrate`]);

  // 2. Bridge on (and ingest parity: what the bridge missed)
  {
    const figures: string[] = [];
    let state: StepState = 'waiting';
    if (sessions) {
      figures.push(`bridge sessions: ${n(source('bySource', 'bridge'))} in all, ${n(source('last24h', 'bridge'))} in the last 24 h`);
      if (source('bySource', 'bridge') > 0) state = 'done';
    } else figures.push(unread('sessions'));
    if (s.rejects) {
      const reasons = Object.entries(s.rejects.last24h);
      figures.push(`bridge rejects (24 h): ${reasons.length === 0 ? 'none' : reasons.map(([r, c]) => `${r} ${n(c)}`).join(', ')}`);
    } else figures.push(unread('rejects'));
    if (s.parity) {
      const p = s.parity.ingest;
      figures.push(p.lastAt === null ? 'ingest parity: no reconcile pass yet' : `ingest parity: last pass ${ago(p.ageSeconds)}: checked ${n(p.checked)}, missing ${n(p.missing)}, ingested ${n(p.ingested)}, rejected ${n(p.rejected)}${p.failed ? `, FAILED ${n(p.failed)}` : ''}`);
      if (p.failed > 0) state = 'attention';
    } else figures.push(unread('parity'));
    add('Bridge on', state, figures);
  }

  const runs = s.backfill?.runs ?? [];
  const latestOf = (pick: (r: BackfillRunStatus) => boolean) => runs.filter(pick);
  // 3. Backfill users (and friendships)
  {
    const users = latestOf((r) => r.kind === 'users' || r.kind === 'friendships');
    add('Backfill users', s.backfill ? runsState(users) : 'attention', s.backfill ? (users.length ? users.map(runLine) : ['no users backfill run yet']) : [unread('backfill')]);
  }
  // 4. Backfill sessions at a read time
  {
    const loads = latestOf((r) => r.kind === 'sessions' && r.since === null);
    add('Backfill sessions', s.backfill ? runsState(loads) : 'attention', s.backfill ? (loads.length ? loads.map(runLine) : ['no sessions backfill run yet']) : [unread('backfill')]);
  }
  // 5. Catch up
  {
    const catchUps = latestOf((r) => r.kind === 'sessions' && r.since !== null);
    add('Catch up', s.backfill ? runsState(catchUps) : 'attention', s.backfill ? (catchUps.length ? catchUps.map(runLine) : ['no catch-up run (--since) yet']) : [unread('backfill')]);
  }
  // 6. Verify
  if (!s.verify) add('Verify', 'attention', [unread('verify')]);
  else if (s.verify.lastAt === null) add('Verify', 'waiting', ['no verify stored yet: npm run verify -- --from-firestore']);
  else {
    const v = s.verify;
    const c = v.counts ?? {};
    const figures = [
      `last verify ${ago(v.ageSeconds)} (${v.source}): MISMATCH ${n(c.mismatch ?? 0)}, missing in SQL ${n(c.missing_in_sql ?? 0)}, missing in legacy ${n(c.missing_in_legacy ?? 0)}, legacy late data ${n(c.legacy_late_data ?? 0)}, equal ${n(c.equal ?? 0)}`,
    ];
    if (v.stale) figures.push('stale: older than 24 h, run verify again');
    for (const m of v.sample.slice(0, 5)) figures.push(`  ${m.userId} [${m.verdict}]`);
    add('Verify', v.mismatches > 0 || v.stale ? 'attention' : 'done', figures);
  }
  // 7. Reproject (and projection parity)
  {
    const figures: string[] = [];
    let state: StepState = 'waiting';
    if (s.outbox) {
      const o = s.outbox;
      figures.push(`outbox: ${n(o.pending)} pending${o.oldestPendingSeconds !== null ? `, oldest ${n(o.oldestPendingSeconds)} s` : ''}`);
      const anySession = Object.values(sessions?.bySource ?? {}).some((c) => c > 0);
      state = (o.oldestPendingSeconds ?? 0) > 300 ? 'attention' : o.pending === 0 && anySession ? 'done' : 'waiting';
    } else figures.push(unread('outbox'));
    if (s.parity) {
      const p = s.parity.projection;
      figures.push(p.lastAt === null ? 'projection parity: no reconcile pass yet' : `projection parity: last pass ${ago(p.ageSeconds)}: sampled ${n(p.sampled)}, behind ${n(p.behind)}, different ${n(p.different)}, in flight ${n(p.inFlight)}`);
      for (const f of p.samples.slice(0, 5)) figures.push(`  ${f.userId} [${f.finding}]`);
      if (p.behind > 0 || p.different > 0) state = 'attention';
    } else figures.push(unread('parity'));
    add('Reproject', state, figures);
  }
  // 8. Switch apps to the callables: callable rises as bridge falls (with the mirror on, the way back stays open)
  {
    const figures: string[] = [];
    let state: StepState = 'waiting';
    if (sessions) {
      const callable = source('last24h', 'callable');
      const bridge = source('last24h', 'bridge');
      figures.push(`last 24 h: callable ${n(callable)}, bridge ${n(bridge)} (callable in all: ${n(source('bySource', 'callable'))})`);
      if (callable > 0 && callable >= bridge) state = 'done';
    } else {
      figures.push(unread('sessions'));
      state = 'attention';
    }
    const m = s.mirror;
    if (!m) {
      figures.push(unread('mirror'));
      state = 'attention';
    } else if (m.enabled === null) figures.push('reverse mirror: no mirrorLegacySessions run recorded yet');
    else {
      const lagging = m.pending > 0 && m.lagSeconds > MIRROR_LAG_ATTENTION_SECONDS;
      const gone = m.pending > 0 && (m.seenAgeSeconds ?? 0) > MIRROR_LAG_ATTENTION_SECONDS;
      figures.push(
        `reverse mirror: ${m.enabled ? 'on' : 'off (no way back: sessions of the callables are not written to legacy Firestore)'}, ` +
          `${n(m.pending)} pending, lag ${n(m.lagSeconds)} s${m.failing ? `, FAILING ${n(m.failing)}: ${m.lastError ?? ''}` : ''}, last run ${ago(m.seenAgeSeconds)}`,
      );
      if (m.enabled && m.uncovered > 0) {
        figures.push(`  at most ${n(m.uncovered)} callable sessions arrived before the mirror covered them (${m.coveredSince ?? 'off'}): npm run mirror -- --all queues them`);
      }
      if (lagging || gone || m.failing > 0 || (m.enabled && m.uncovered > 0)) state = 'attention';
    }
    add('Switch apps to the callables', state, figures);
  }
  // 9. Close legacy writes: no bridge session for a week
  if (!sessions) add('Close legacy writes', 'attention', [unread('sessions')]);
  else {
    const last = sessions.lastHour.bridge ?? null;
    const quiet = last !== null && nowMs - Date.parse(last) > WEEK_MS;
    add('Close legacy writes', quiet ? 'done' : 'waiting', [last === null ? 'no bridge session ever' : `last bridge session in the hour of ${last}${quiet ? ': none for a week, the bridge can go' : ''}`]);
  }
  return steps;
}
