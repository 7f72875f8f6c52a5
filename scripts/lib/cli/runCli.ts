import { ConfigError } from '../../../functions/src/config';
import { NotMigratedError } from '../migrate/requireMigrated';

// Safety net for every CLI: a Google client must never probe the cloud metadata server from here,
// except inside a Cloud Run Jobs task, where that server is the platform and holds the job's credentials.
if (!process.env.CLOUD_RUN_JOB) process.env.METADATA_SERVER_DETECTION ??= 'none';

/** Every problem with the command line at once (exit 2), so a user fixes them in one go. */
export class UsageError extends Error {
  constructor(
    readonly problems: string[],
    /** The script, for the closing "see --help" line. */
    readonly script?: string,
  ) {
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
        if (error instanceof UsageError && error.script) console.error(`(see npm run ${error.script} -- --help)`);
        process.exitCode = 2;
        return;
      }
      if (error instanceof NotMigratedError) {
        console.error(`error: ${error.message}`);
        process.exitCode = 1;
        return;
      }
      const e = error as { code?: string; message?: string };
      console.error(`error: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(error)}`);
      if (process.env.DEBUG) console.error(error);
      process.exitCode = 1;
    },
  );
}
