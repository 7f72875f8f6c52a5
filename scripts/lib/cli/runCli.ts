import { ConfigError } from '../../functions/src/config';

/** Safety net for every CLI: Google clients must never probe the metadata server (DESIGN §8). */
process.env.METADATA_SERVER_DETECTION ??= 'none';

/** Collects every problem with the flags, so a user sees them all at once. */
export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'UsageError';
  }
}

/** Runs a CLI's main: one readable line per problem on stderr and a non-zero exit code on failure. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError || error instanceof ConfigError) {
        for (const p of error.problems) console.error(`error: ${p}`);
        process.exitCode = 2;
        return;
      }
      const e = error as { code?: string; message?: string };
      console.error(`error: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(error)}`);
      if (process.env.DEBUG) console.error(error);
      process.exitCode = 1;
    },
  );
}
