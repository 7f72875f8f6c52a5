// Import first: firebase-functions' logger keeps the console methods it finds when it loads, so a
// spy installed later never sees its lines. These wrappers are what it finds; they record on demand.
const lines: string[] = [];
let recording = false;

for (const method of ['debug', 'info', 'log', 'warn', 'error'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    if (recording) lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    else original(...args);
  };
}

export const capturedLogs = {
  start(): void {
    lines.length = 0;
    recording = true;
  },
  /** Stops recording and returns every line written since start. */
  stop(): string[] {
    recording = false;
    return [...lines];
  },
};
