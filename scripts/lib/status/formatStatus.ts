import type { Status } from './readStatus';
import { SYMBOL } from './runbookSteps';

const n = (value: number) => value.toLocaleString('en-US');

/** The status for a person: the runbook's steps with their figures, then the sessions by source. */
export function formatStatus(status: Status): string {
  const width = Math.max(...status.steps.map((s) => s.title.length)) + 5;
  const lines = [`migration status of ${status.database} at ${status.at}`, ''];
  for (const step of status.steps) {
    const head = `${SYMBOL[step.state]} ${step.step}. ${step.title}`;
    const [first = '', ...rest] = step.figures;
    lines.push(`${head.padEnd(width + 2)}${first}`);
    for (const figure of rest) lines.push(`${' '.repeat(width + 2)}${figure}`);
  }
  if (status.sessions) {
    const s = status.sessions;
    lines.push('', 'sessions by source      in all      last 24 h');
    for (const source of s.sources) lines.push(`  ${source.padEnd(16)}${n(s.bySource[source] ?? 0).padStart(12)}${n(s.last24h[source] ?? 0).padStart(15)}`);
  }
  if (status.adjustments && status.adjustments.total > 0) {
    lines.push('', 'streak adjustments      adjustments   users');
    for (const r of status.adjustments.byReason) lines.push(`  ${`${r.kind}: ${r.reason}`.padEnd(22)}${n(r.adjustments).padStart(12)}${n(r.users).padStart(8)}`);
  }
  if (status.problems.length > 0) {
    lines.push('', 'problems:');
    for (const p of status.problems) lines.push(`  ${p.section}: ${p.message}`);
  }
  lines.push('', `${SYMBOL.done} done   ${SYMBOL.attention} needs attention   ${SYMBOL.waiting} not yet or under way`);
  return lines.join('\n');
}
