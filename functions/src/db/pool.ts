import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPool, type DatabasePool, type Interceptor } from 'slonik';
import type { Config } from '../config';
import { ConfigError } from '../config';
import { gateAcquire } from './acquireGate';
import { embeddedUrl, isEmbeddedUrl, isListening, startEmbeddedDatabase } from './embedded';
import { namedStatementsDriverFactory } from './namedStatements';
import { resultParserInterceptor } from './resultParser';

export interface Database {
  pool: DatabasePool;
  /** Connection string (may carry credentials: never log it). */
  url: string;
  /** Where the pool connects, without credentials, for logs. */
  describe: string;
  close(): Promise<void>;
}

type DatabaseConfig = Config['database'];

/**
 * One pool for functions and scripts alike: DATABASE_URL when set, the Cloud SQL connector
 * (IAM auth) when INSTANCE_CONNECTION_NAME is set, else the embedded PGlite server (local only).
 * Deployed, the first line says which one is used, and a DATABASE_URL carrying a plain password is
 * refused unless ALLOW_PASSWORD_DATABASE_URL says it is meant (it would win over IAM silently).
 */
export async function openDatabase(config: DatabaseConfig, options: { deployed?: boolean } = {}): Promise<Database> {
  if (options.deployed) {
    const { logs } = await import('./logs');
    if (config.url) {
      const ignored = config.cloudSql ? `INSTANCE_CONNECTION_NAME ${config.cloudSql.instanceConnectionName}` : undefined;
      logs.connectionChosen({ via: 'DATABASE_URL', target: redact(config.url), ...(ignored ? { ignored } : {}) });
      if (new URL(config.url).password && !config.allowPasswordUrl) {
        throw new ConfigError([
          'DATABASE_URL carries a plain password, refused for deployed functions: use INSTANCE_CONNECTION_NAME (IAM), or set ALLOW_PASSWORD_DATABASE_URL=true if this is meant',
        ]);
      }
    } else if (config.cloudSql) {
      logs.connectionChosen({ via: 'Cloud SQL connector (IAM)', target: `${config.cloudSql.instanceConnectionName}/${config.cloudSql.database} as ${config.cloudSql.iamUser}` });
    }
  }
  if (config.url) return connect(config, config.url, redact(config.url));
  if (config.cloudSql) return connectCloudSql(config, config.cloudSql);
  if (options.deployed) {
    throw new ConfigError(['no database configured: set INSTANCE_CONNECTION_NAME (or DATABASE_URL) for deployed functions']);
  }
  const { port, dataDir } = config.embedded;
  if (port !== 0 && (await isListening('127.0.0.1', port))) {
    // `npm start` already serves the embedded database; a second PGlite on the same files would corrupt them.
    const url = embeddedUrl('127.0.0.1', port);
    return connect(config, url, `embedded database at ${url}`);
  }
  const embedded = await startEmbeddedDatabase({ dataDir, port });
  const db = await connect(config, embedded.url, `embedded database in ${dataDir} (${embedded.url})`);
  return {
    ...db,
    async close() {
      await db.close();
      await embedded.stop();
    },
  };
}

/**
 * `interceptors`: extra slonik interceptors (tests and benchmarks count statements with one).
 * The accept path's statements are prepared once per connection, except on the embedded database,
 * whose connections share one session.
 */
export async function connect(config: DatabaseConfig, url: string, describe: string, options: { interceptors?: Interceptor[] } = {}): Promise<Database> {
  const pool = await createPool(url, {
    ...(isEmbeddedUrl(url) ? {} : { driverFactory: namedStatementsDriverFactory() }),
    maximumPoolSize: config.poolSize,
    statementTimeout: config.statementTimeoutMs,
    connectionTimeout: config.connectTimeoutMs,
    // An unreachable database must fail within connectTimeoutMs, not three times that.
    connectionRetryLimit: 1,
    idleTimeout: 10_000,
    idleInTransactionSessionTimeout: Math.max(config.statementTimeoutMs * 2, 10_000),
    // Stack capture costs ~10% per query on the hot path and we log our own context.
    captureStackTrace: false,
    interceptors: [...(options.interceptors ?? []), resultParserInterceptor],
    // slonik's default runs DISCARD ALL on every release: one more round trip per transaction, and it
    // throws away the cached plans of our PL/pgSQL functions. We keep no session state to discard.
    resetConnection: async () => {},
  });
  // slonik also emits each query error on the pool; unheard, Node would throw ERR_UNHANDLED_ERROR in
  // its place and hide the real error from the caller, who already receives it through the promise.
  pool.on('error', () => {});
  return { pool: gateAcquire(pool, config.poolSize, config.acquireTimeoutMs), url, describe, close: () => pool.end() };
}

async function connectCloudSql(config: DatabaseConfig, cloudSql: NonNullable<DatabaseConfig['cloudSql']>): Promise<Database> {
  // Loaded lazily: only deployed functions that use Cloud SQL pay for it at cold start.
  const { Connector, AuthTypes, IpAddressTypes } = await import('@google-cloud/cloud-sql-connector');
  const connector = new Connector();
  const dir = mkdtempSync(path.join(tmpdir(), 'cloudsql-'));
  // pg connects to "<host dir>/.s.PGSQL.5432" when host is a directory.
  await connector.startLocalProxy({
    instanceConnectionName: cloudSql.instanceConnectionName,
    ipType: IpAddressTypes[cloudSql.ipType],
    authType: AuthTypes.IAM,
    listenOptions: { path: path.join(dir, '.s.PGSQL.5432') },
  });
  const url = `postgresql://${encodeURIComponent(cloudSql.iamUser)}@/${encodeURIComponent(cloudSql.database)}?host=${encodeURIComponent(dir)}`;
  const db = await connect(config, url, `Cloud SQL ${cloudSql.instanceConnectionName}/${cloudSql.database}`);
  return {
    ...db,
    async close() {
      await db.close();
      connector.close();
    },
  };
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
