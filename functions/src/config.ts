import { defineBoolean, defineInt, defineString } from 'firebase-functions/params';
import { z } from 'zod';
import { DEFAULT_FREEZE_CAP } from './domain/freezeWalk';
import { DEFAULT_QUALIFY_MINUTES } from './domain/qualifies';
import { DEFAULT_MAX_SESSION_HOURS } from './domain/validateSession';

/**
 * Every setting a deployment may tune, declared once with its default and description. The
 * Firebase CLI prompts for them or reads functions/.env.<project>, and puts the resolved values
 * in the functions' environment. Trigger options bind the params themselves (triggerOptions.ts);
 * handlers read them through readConfig, on first use, never at import time.
 */
export const params = {
  region: defineString('FUNCTIONS_REGION', { default: 'us-central1', description: 'Region of every function.' }),
  enforceAppCheck: defineBoolean('ENFORCE_APP_CHECK', {
    default: true,
    description: 'Reject callable requests without a valid App Check token. Always off in the Functions emulator and in demo- projects; set false to turn it off deliberately.',
  }),
  maxInstances: defineInt('MAX_INSTANCES', { default: 10, description: 'Max instances per function; MAX_INSTANCES x DB_POOL_SIZE bounds its SQL connections.' }),
  concurrency: defineInt('CONCURRENCY', { default: 40, description: 'Concurrent requests per callable instance.' }),
  memoryMb: defineInt('MEMORY_MB', { default: 512, description: 'Memory per function instance, in MB.' }),
  instanceConnectionName: defineString('INSTANCE_CONNECTION_NAME', { default: '', description: 'Cloud SQL instance (project:region:instance); empty means DATABASE_URL.' }),
  dbName: defineString('DB_NAME', { default: 'focus', description: 'Database name on the Cloud SQL instance.' }),
  dbIamUser: defineString('DB_IAM_USER', { default: '', description: 'IAM database user, e.g. sa-name@project.iam (no .gserviceaccount.com).' }),
  dbIpType: defineString('DB_IP_TYPE', { default: 'PRIVATE', description: 'How the Cloud SQL connector reaches the instance: PRIVATE, PUBLIC or PSC.' }),
  dbPoolSize: defineInt('DB_POOL_SIZE', { default: 5, description: 'SQL connections per function instance.' }),
  dbStatementTimeoutMs: defineInt('DB_STATEMENT_TIMEOUT_MS', { default: 5000, description: 'Longest a SQL statement may run, in ms.' }),
  dbConnectTimeoutMs: defineInt('DB_CONNECT_TIMEOUT_MS', { default: 3000, description: 'Longest wait for a SQL connection, in ms; past it the callables answer unavailable.' }),
  dbAcquireTimeoutMs: defineInt('DB_ACQUIRE_TIMEOUT_MS', { default: 3000, description: 'Longest wait for a free pooled connection when all DB_POOL_SIZE are busy, in ms; past it the request answers unavailable.' }),
  bridgeMaxInstances: defineInt('BRIDGE_MAX_INSTANCES', { default: 10, description: 'Max instances of the legacy bridge; BRIDGE_MAX_INSTANCES x DB_POOL_SIZE bounds its SQL connections.' }),
  retentionDays: defineInt('RETENTION_DAYS', { default: 30, description: 'Days published or superseded outbox rows and backfill rejects are kept before pruneTables deletes them.' }),
  streakTopic: defineString('STREAK_TOPIC', { default: 'streak-updated', description: 'Pub/Sub topic of streak-updated events.' }),
  adjustmentsTopic: defineString('ADJUSTMENTS_TOPIC', {
    default: 'streak-adjustments',
    description: 'Pub/Sub topic of streak adjustments (freeze grants, repairs, revokes) that applyStreakAdjustment applies; only the purchase backend may publish to it.',
  }),
  publishTimeoutMs: defineInt('PUBLISH_TIMEOUT_MS', { default: 1500, description: 'Longest wait for Pub/Sub after an accept, in ms; the relay publishes what is left.' }),
  qualifyMinutes: defineInt('QUALIFY_MINUTES', { default: DEFAULT_QUALIFY_MINUTES, description: 'Minutes of focus that make a local date qualify.' }),
  freezeCap: defineInt('FREEZE_CAP', { default: DEFAULT_FREEZE_CAP, description: 'Most streak freezes a user holds at once; grants beyond it are lost.' }),
  maxSessionHours: defineInt('MAX_SESSION_HOURS', { default: DEFAULT_MAX_SESSION_HOURS, description: 'Longest accepted session, in hours (at most 24).' }),
  friendsMax: defineInt('FRIENDS_MAX', { default: 500, description: 'Most mutual friends a user may have; addFriend past it answers resource-exhausted.' }),
  pendingRequestsMax: defineInt('PENDING_REQUESTS_MAX', { default: 100, description: 'Most pending outgoing friend requests a user may have; addFriend past it answers resource-exhausted.' }),
  acceptRatePerMinute: defineInt('ACCEPT_RATE_PER_MINUTE', { default: 60, description: 'acceptFocusSession calls per user per minute, sustained (token bucket); past it resource-exhausted with details.retryAfterSeconds.' }),
  acceptRateBurst: defineInt('ACCEPT_RATE_BURST', { default: 120, description: 'acceptFocusSession calls a user may make at once before ACCEPT_RATE_PER_MINUTE applies.' }),
  friendsRatePerMinute: defineInt('FRIENDS_RATE_PER_MINUTE', { default: 30, description: 'addFriend calls, and separately removeFriend calls, per user per minute, sustained; past it resource-exhausted.' }),
  friendsRateBurst: defineInt('FRIENDS_RATE_BURST', { default: 60, description: 'addFriend (and removeFriend) calls a user may make at once before FRIENDS_RATE_PER_MINUTE applies.' }),
  mutationRatePerMinute: defineInt('MUTATION_RATE_PER_MINUTE', { default: 10, description: 'Calls per user per minute of each other mutating callable (deleteMyData, setDayStart), sustained; past it resource-exhausted.' }),
  mutationRateBurst: defineInt('MUTATION_RATE_BURST', { default: 20, description: 'Calls of each other mutating callable a user may make at once before MUTATION_RATE_PER_MINUTE applies.' }),
  readRatePerMinute: defineInt('READ_RATE_PER_MINUTE', { default: 300, description: 'Calls per user per minute of each read callable (getMyStreak, getFriends, getFriendsLeaderboard, exportMyData), sustained; past it resource-exhausted.' }),
  readRateBurst: defineInt('READ_RATE_BURST', { default: 600, description: 'Calls of each read callable a user may make at once before READ_RATE_PER_MINUTE applies.' }),
  bridgeRatePerMinute: defineInt('BRIDGE_RATE_PER_MINUTE', { default: 60, description: 'Legacy sessions/{id} documents per user per minute the bridge accepts, sustained; past it the document is rejected (rate_limited).' }),
  bridgeRateBurst: defineInt('BRIDGE_RATE_BURST', { default: 120, description: 'Legacy documents of one user the bridge accepts at once before BRIDGE_RATE_PER_MINUTE applies.' }),
  mirrorToLegacy: defineBoolean('MIRROR_TO_LEGACY', {
    default: false,
    description: 'Also write every session a callable accepts to legacy Firestore sessions/{docId} (the reverse mirror, for a rollback), through mirrorLegacySessions.',
  }),
  allowPasswordDatabaseUrl: defineBoolean('ALLOW_PASSWORD_DATABASE_URL', {
    default: false,
    description: 'Let deployed functions connect with a DATABASE_URL that carries a plain password (refused otherwise: use INSTANCE_CONNECTION_NAME and IAM).',
  }),
  reconcileEveryMinutes: defineInt('RECONCILE_EVERY_MINUTES', { default: 10, description: 'reconcileLegacySessions runs a pass every this many minutes (on the minutes since the epoch divisible by it); 0 switches it off.' }),
  reconcileMarginMinutes: defineInt('RECONCILE_MARGIN_MINUTES', { default: 30, description: 'Each reconcile pass reads legacy sessions from where the last one ended, minus this many minutes.' }),
  reconcileSettleSeconds: defineInt('RECONCILE_SETTLE_SECONDS', { default: 120, description: 'A reconcile pass leaves legacy sessions created in the last this many seconds to the bridge trigger (their events may still be on the way).' }),
  reconcileSinceField: defineString('RECONCILE_SINCE_FIELD', { default: 'createdAt', description: "The Timestamp field of legacy sessions/{id} the reconcile pass reads by (the legacy writer's creation time, as the runbook's catch-up uses)." }),
  reconcileSampleUsers: defineInt('RECONCILE_SAMPLE_USERS', { default: 100, description: 'Users whose streak changed recently that each reconcile pass compares with their Firestore streaks/{uid}.' }),
  projectionLagSeconds: defineInt('PROJECTION_LAG_SECONDS', { default: 300, description: 'A streaks/{uid} projection behind SQL for longer than this is reported by the reconcile pass.' }),
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.enum(['true', 'false']).default('false').transform((v) => v === 'true');

// The checks of what the code reads at run time. Param defaults are filled in before parsing
// (paramDefaults below), so no default is written here a second time. The non-param variables are
// local-only (DATABASE_URL, the embedded database) or facts the platform sets, not tunables.
const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
    .refine((v) => v === undefined || URL.canParse(v), 'is not a valid URL'),
  INSTANCE_CONNECTION_NAME: z
    .string()
    .trim()
    .refine((v) => v === '' || /^[^:]+:[^:]+:[^:]+$/.test(v), 'must look like project:region:instance'),
  DB_NAME: z.string(),
  DB_IAM_USER: z.string(),
  DB_IP_TYPE: z.enum(['PUBLIC', 'PRIVATE', 'PSC']),
  DB_POOL_SIZE: int(1, 100),
  DB_STATEMENT_TIMEOUT_MS: int(100, 600_000),
  DB_CONNECT_TIMEOUT_MS: int(100, 120_000),
  DB_ACQUIRE_TIMEOUT_MS: int(100, 120_000),
  RETENTION_DAYS: int(1, 3650),
  EMBEDDED_DB_DIR: z.string().default('.data/pglite'),
  EMBEDDED_DB_PORT: int(0, 65535).default(5433),
  QUALIFY_MINUTES: int(1, 1440),
  FREEZE_CAP: int(0, 100),
  MAX_SESSION_HOURS: int(1, 24),
  STREAK_TOPIC: z.string().min(1),
  ADJUSTMENTS_TOPIC: z.string().min(1),
  PUBLISH_TIMEOUT_MS: int(50, 60_000),
  FRIENDS_MAX: int(1, 100_000),
  PENDING_REQUESTS_MAX: int(1, 100_000),
  ACCEPT_RATE_PER_MINUTE: int(1, 1_000_000),
  ACCEPT_RATE_BURST: int(1, 1_000_000),
  FRIENDS_RATE_PER_MINUTE: int(1, 1_000_000),
  FRIENDS_RATE_BURST: int(1, 1_000_000),
  MUTATION_RATE_PER_MINUTE: int(1, 1_000_000),
  MUTATION_RATE_BURST: int(1, 1_000_000),
  READ_RATE_PER_MINUTE: int(1, 1_000_000),
  READ_RATE_BURST: int(1, 1_000_000),
  BRIDGE_RATE_PER_MINUTE: int(1, 1_000_000),
  BRIDGE_RATE_BURST: int(1, 1_000_000),
  ALLOW_PASSWORD_DATABASE_URL: z.enum(['true', 'false']).transform((v) => v === 'true'),
  MIRROR_TO_LEGACY: z.enum(['true', 'false']).transform((v) => v === 'true'),
  RECONCILE_EVERY_MINUTES: int(0, 1440),
  RECONCILE_MARGIN_MINUTES: int(0, 1440),
  RECONCILE_SETTLE_SECONDS: int(0, 3600),
  RECONCILE_SINCE_FIELD: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'must be a field name'),
  RECONCILE_SAMPLE_USERS: int(0, 10_000),
  PROJECTION_LAG_SECONDS: int(1, 86_400),
  FIREBASE_AUTH_EMULATOR_HOST: z.string().optional(),
  PUBSUB_EMULATOR_HOST: z.string().optional(),
  FIRESTORE_EMULATOR_HOST: z.string().optional(),
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  GCLOUD_PROJECT: z.string().optional(),
  // Set by Cloud Run / Cloud Functions (and by the Functions emulator): we run as a function.
  K_SERVICE: z.string().optional(),
  // Set by Cloud Run Jobs in every task: the backfill's container runs there, with the job's service account.
  CLOUD_RUN_JOB: z.string().optional(),
  FUNCTIONS_EMULATOR: flag,
});

export type Env = z.infer<typeof envSchema>;

/**
 * Each param's declared default, as the string the environment would hold. Where the Firebase CLI
 * resolved the params (deployed, emulator) the environment already holds every one of them, and this
 * reads what `.value()` reads; in scripts and tests nothing resolved them and `.value()` would give
 * 0, '' or false, so the declared default applies instead.
 */
function paramDefaults(): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const param of Object.values(params)) {
    const fallback = param.options.default;
    if (fallback !== undefined) defaults[param.name] = String(fallback);
  }
  return defaults;
}

export interface Config {
  database: {
    url?: string;
    cloudSql?: { instanceConnectionName: string; database: string; iamUser: string; ipType: 'PUBLIC' | 'PRIVATE' | 'PSC' };
    embedded: { dataDir: string; port: number };
    poolSize: number;
    statementTimeoutMs: number;
    connectTimeoutMs: number;
    /** Longest wait for a free pooled connection; past it DatabaseUnavailableError. */
    acquireTimeoutMs: number;
    /** Deployed functions may use a DATABASE_URL with a plain password (ALLOW_PASSWORD_DATABASE_URL). */
    allowPasswordUrl: boolean;
  };
  retentionDays: number;
  qualifySeconds: number;
  /** Most freezes held at once (FREEZE_CAP). */
  freezeCap: number;
  maxSessionHours: number;
  streakTopic: string;
  /** The topic applyStreakAdjustment is subscribed to (ADJUSTMENTS_TOPIC), for tools that publish to it. */
  adjustmentsTopic: string;
  publishTimeoutMs: number;
  /** Caps of addFriend: mutual friends per user, pending outgoing requests per user. */
  friends: { max: number; pendingRequestsMax: number };
  /**
   * Per-user token buckets: `accept` (acceptFocusSession), `friends` (addFriend and removeFriend, a
   * bucket each), `other` (any other mutating callable, a bucket each), `read` (each read callable, a
   * bucket each), `bridge` (legacy documents through the bridge).
   */
  rateLimits: Record<'accept' | 'friends' | 'other' | 'read' | 'bridge', { perMinute: number; burst: number }>;
  /** Callable sessions are also queued for legacy Firestore sessions/{docId} (the reverse mirror). */
  mirrorToLegacy: boolean;
  /** The scheduled reconcile pass: how often (0: off), its window over legacy sessions, its projection sample. */
  reconcile: { everyMinutes: number; marginMinutes: number; settleSeconds: number; sinceField: string; sampleUsers: number; projectionLagSeconds: number };
  /** Deployed in Google Cloud (not the emulator): the embedded database is never an option. */
  deployed: boolean;
  /** Whether real Google clients may be built here (emulator host set or real credentials). */
  google: { firestore: boolean; pubsub: boolean; auth: boolean; projectId?: string };
}

export class ConfigError extends Error {
  readonly code = 'config/invalid';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** The typed configuration, from `env` (process.env by default), with every problem listed at once. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
  const parsed = envSchema.safeParse({ ...paramDefaults(), ...set });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  }
  const e = parsed.data;
  // Only deployed code or explicit credentials may reach Google; anything else would probe the metadata server.
  const deployed = Boolean(e.K_SERVICE) && !e.FUNCTIONS_EMULATOR;
  // A Cloud Run Jobs task has the platform's credentials too (its metadata server), without being a function.
  const realCredentials = deployed || Boolean(e.CLOUD_RUN_JOB) || Boolean(e.GOOGLE_APPLICATION_CREDENTIALS);
  const demoProject = (e.GCLOUD_PROJECT ?? '').startsWith('demo-');
  return {
    database: {
      url: e.DATABASE_URL,
      cloudSql: e.INSTANCE_CONNECTION_NAME
        ? { instanceConnectionName: e.INSTANCE_CONNECTION_NAME, database: e.DB_NAME, iamUser: e.DB_IAM_USER, ipType: e.DB_IP_TYPE }
        : undefined,
      embedded: { dataDir: e.EMBEDDED_DB_DIR, port: e.EMBEDDED_DB_PORT },
      poolSize: e.DB_POOL_SIZE,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      acquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
      allowPasswordUrl: e.ALLOW_PASSWORD_DATABASE_URL,
    },
    retentionDays: e.RETENTION_DAYS,
    qualifySeconds: e.QUALIFY_MINUTES * 60,
    freezeCap: e.FREEZE_CAP,
    maxSessionHours: e.MAX_SESSION_HOURS,
    streakTopic: e.STREAK_TOPIC,
    adjustmentsTopic: e.ADJUSTMENTS_TOPIC,
    publishTimeoutMs: e.PUBLISH_TIMEOUT_MS,
    friends: { max: e.FRIENDS_MAX, pendingRequestsMax: e.PENDING_REQUESTS_MAX },
    rateLimits: {
      accept: { perMinute: e.ACCEPT_RATE_PER_MINUTE, burst: e.ACCEPT_RATE_BURST },
      friends: { perMinute: e.FRIENDS_RATE_PER_MINUTE, burst: e.FRIENDS_RATE_BURST },
      other: { perMinute: e.MUTATION_RATE_PER_MINUTE, burst: e.MUTATION_RATE_BURST },
      read: { perMinute: e.READ_RATE_PER_MINUTE, burst: e.READ_RATE_BURST },
      bridge: { perMinute: e.BRIDGE_RATE_PER_MINUTE, burst: e.BRIDGE_RATE_BURST },
    },
    mirrorToLegacy: e.MIRROR_TO_LEGACY,
    reconcile: {
      everyMinutes: e.RECONCILE_EVERY_MINUTES,
      marginMinutes: e.RECONCILE_MARGIN_MINUTES,
      settleSeconds: e.RECONCILE_SETTLE_SECONDS,
      sinceField: e.RECONCILE_SINCE_FIELD,
      sampleUsers: e.RECONCILE_SAMPLE_USERS,
      projectionLagSeconds: e.PROJECTION_LAG_SECONDS,
    },
    deployed,
    google: {
      firestore: Boolean(e.FIRESTORE_EMULATOR_HOST) || (realCredentials && !demoProject),
      pubsub: Boolean(e.PUBSUB_EMULATOR_HOST) || (realCredentials && !demoProject),
      auth: Boolean(e.FIREBASE_AUTH_EMULATOR_HOST) || (realCredentials && !demoProject),
      projectId: e.GCLOUD_PROJECT,
    },
  };
}

/** The callables that only read: each gets a bucket of the (larger) read size. */
export const READ_CALLABLES: readonly string[] = ['getMyStreak', 'getFriends', 'getFriendsLeaderboard', 'exportMyData'];

/** The per-user bucket of a callable (or of the legacy bridge, `bridge`): each its own bucket, sized by its params. */
export function rateLimitFor(config: Config, fn: string): { action: string; perMinute: number; burst: number } {
  const { accept, friends, other, read, bridge } = config.rateLimits;
  const size =
    fn === 'acceptFocusSession' ? accept
    : fn === 'addFriend' || fn === 'removeFriend' ? friends
    : fn === 'bridge' ? bridge
    : READ_CALLABLES.includes(fn) ? read
    : other;
  return { action: fn, perMinute: size.perMinute, burst: size.burst };
}

/**
 * Whether callables refuse requests without a verified App Check token: ENFORCE_APP_CHECK (default
 * true), except in the Functions emulator and in demo- projects, where no App Check token can exist.
 */
export function appCheckEnforced(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FUNCTIONS_EMULATOR === 'true') return false;
  if ((env.GCLOUD_PROJECT ?? '').startsWith('demo-')) return false;
  return (env.ENFORCE_APP_CHECK ?? String(params.enforceAppCheck.options.default)) !== 'false';
}
