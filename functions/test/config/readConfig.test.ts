import { ConfigError, params, readConfig } from '../../src/config';

describe('readConfig', () => {
  it('takes every unset param from its declared default', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      qualifySeconds: Number(params.qualifyMinutes.options.default) * 60,
      maxSessionHours: params.maxSessionHours.options.default,
      streakTopic: params.streakTopic.options.default,
      publishTimeoutMs: params.publishTimeoutMs.options.default,
      database: {
        poolSize: params.dbPoolSize.options.default,
        statementTimeoutMs: params.dbStatementTimeoutMs.options.default,
        connectTimeoutMs: params.dbConnectTimeoutMs.options.default,
      },
      deployed: false,
    });
  });

  it('reads what the environment sets, as the Firebase CLI sets resolved params', () => {
    const config = readConfig({ QUALIFY_MINUTES: '45', MAX_SESSION_HOURS: '12', PUBLISH_TIMEOUT_MS: '200', INSTANCE_CONNECTION_NAME: 'p:r:i', DB_IP_TYPE: 'PSC' });
    expect(config.qualifySeconds).toBe(45 * 60);
    expect(config.maxSessionHours).toBe(12);
    expect(config.publishTimeoutMs).toBe(200);
    expect(config.database.cloudSql).toMatchObject({ instanceConnectionName: 'p:r:i', ipType: 'PSC', database: params.dbName.options.default });
  });

  it('reaches Google only with credentials: an emulator host, a deployed function, a Cloud Run Jobs task, or a key file; never a demo project', () => {
    expect(readConfig({ GCLOUD_PROJECT: 'prod-1' }).google.firestore).toBe(false);
    expect(readConfig({ GCLOUD_PROJECT: 'prod-1', CLOUD_RUN_JOB: 'backfill-sessions' }).google.firestore).toBe(true);
    expect(readConfig({ GCLOUD_PROJECT: 'demo-x', CLOUD_RUN_JOB: 'backfill-sessions' }).google.firestore).toBe(false);
    expect(readConfig({ GCLOUD_PROJECT: 'prod-1', K_SERVICE: 'fn' }).google.firestore).toBe(true);
    expect(readConfig({ GCLOUD_PROJECT: 'prod-1', CLOUD_RUN_JOB: 'backfill-sessions' }).deployed).toBe(false);
  });

  it('lists every bad value at once', () => {
    expect(() => readConfig({ MAX_SESSION_HOURS: '25', DB_IP_TYPE: 'VPN', PUBLISH_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    try {
      readConfig({ MAX_SESSION_HOURS: '25', DB_IP_TYPE: 'VPN', PUBLISH_TIMEOUT_MS: 'soon' });
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(' ')[0]).sort()).toEqual(['DB_IP_TYPE', 'MAX_SESSION_HOURS', 'PUBLISH_TIMEOUT_MS']);
    }
  });

  it('declares each setting once: every param has a default and a description', () => {
    for (const param of Object.values(params)) {
      expect(param.options.default).toBeDefined();
      expect(param.options.description).toEqual(expect.any(String));
    }
  });
});
