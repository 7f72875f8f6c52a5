import path from 'node:path';

/** One structured line as firebase-functions' logger wrote it (the JSON Cloud Logging reads as jsonPayload). */
export type LogLine = Record<string, unknown> & { severity: string; message: string };

type Console = Record<'debug' | 'info' | 'log' | 'warn' | 'error', (...args: unknown[]) => void>;

/**
 * Records, without printing them, the lines the log catalogues write from now on, exactly as the SDK
 * serialises them (its own trace stamp, an ERROR line's message with its stack): the SDK keeps the console
 * methods it writes through in an object of its own, which is where the recorder listens.
 */
export function recordLogLines(): { lines: LogLine[]; stop(): void } {
  const logger = path.dirname(require.resolve('firebase-functions/logger'));
  const sdkConsole = (require(path.join(logger, 'common.js')) as { UNPATCHED_CONSOLE: Console }).UNPATCHED_CONSOLE;
  const lines: LogLine[] = [];
  const spies = (Object.keys(sdkConsole) as Array<keyof Console>).map((method) =>
    jest.spyOn(sdkConsole, method).mockImplementation((text: unknown) => {
      lines.push(JSON.parse(String(text)) as LogLine);
    }),
  );
  return { lines, stop: () => spies.forEach((spy) => spy.mockRestore()) };
}
