import { createPgDriverFactory } from '@slonik/pg-driver';
import type { DriverFactory } from 'slonik';

/**
 * The first line of a statement that runs as a named prepared statement: `-- statement: <name>`.
 * Only the accept path's statement carries it (db/acceptStatement.ts); every other statement stays unnamed.
 */
export const NAMED_STATEMENT = /^-- statement: ([a-z_]+)\n/;

/**
 * slonik's pg driver, except that statements starting with `-- statement: <name>` run as named
 * prepared statements. slonik sends every statement unnamed, so PostgreSQL parses, analyses and
 * plans it again on every call; for the accept path (a call of a PL/pgSQL function with ten
 * arguments) that was a sixth of the server's CPU per accept (perf, bench:accept). Named, each
 * connection prepares it once and then only binds and executes.
 *
 * Not for the embedded database: its connections share one PGlite session, where a second
 * connection's prepare of the same name fails.
 */
export function namedStatementsDriverFactory(): DriverFactory {
  const pg = createPgDriverFactory();
  return async (options) => {
    const driver = await pg(options);
    return {
      ...driver,
      async createClient() {
        const client = await driver.createClient();
        const query = client.query;
        client.query = (text, values) => {
          const name = NAMED_STATEMENT.exec(text)?.[1];
          // node-postgres takes a query config object where slonik's driver passes the text through.
          return query(name === undefined ? text : ({ name, text } as unknown as string), values);
        };
        return client;
      },
    };
  };
}
