export interface Progress {
  /** done: documents so far; position/total: the unit the source measures (bytes or documents). */
  update(done: number, position: number): void;
  finish(): void;
}

const BAR_WIDTH = 28;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * A bar with documents/s and ETA on a terminal; on a pipe or CI log, one plain line every
 * `intervalMs`, so logs stay readable. Writes to stderr: stdout is for the summary.
 */
export function createProgress(options: {
  label: string;
  total: number | null;
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
  now?: () => number;
}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = Boolean(stream.isTTY);
  const interval = options.intervalMs ?? (tty ? 200 : 10_000);
  const started = now();
  let lastDraw = started;
  let drawn = false;

  const render = (done: number, position: number): string => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const fraction = options.total ? Math.min(1, position / options.total) : null;
    const eta = fraction && fraction > 0 ? duration(elapsed / fraction - elapsed) : '?';
    const stats = `${done.toLocaleString('en-US')} docs  ${Math.round(rate).toLocaleString('en-US')} docs/s  elapsed ${duration(elapsed)}  ETA ${eta}`;
    if (!tty) return `${options.label}: ${fraction === null ? '' : `${(fraction * 100).toFixed(1)}%  `}${stats}`;
    const filled = fraction === null ? 0 : Math.round(fraction * BAR_WIDTH);
    const bar = fraction === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%  `;
    return `${options.label} ${bar}${stats}`;
  };

  let last = { done: 0, position: 0 };
  return {
    update(done, position) {
      last = { done, position };
      const t = now();
      if (t - lastDraw < interval) return;
      lastDraw = t;
      if (tty) stream.write(`\r${render(done, position)}\x1b[K`);
      else stream.write(`${render(done, position)}\n`);
      drawn = true;
    },
    finish() {
      if (tty && drawn) stream.write(`\r${render(last.done, last.position)}\x1b[K\n`);
    },
  };
}
