import type { CallableRequest } from 'firebase-functions/https';
import { logs } from '../../src/callables/logs';
import { requireAuth } from '../../src/callables/requireAuth';
import { silenceLogs } from '../support/silenceLogs';

const request = (fields: Partial<CallableRequest<unknown>>) => ({ data: {}, rawRequest: {}, acceptsStreaming: false, ...fields }) as CallableRequest<unknown>;
const auth = { uid: 'ann', token: {}, rawToken: '' } as unknown as CallableRequest<unknown>['auth'];
const app = { appId: 'app-1', token: {} } as unknown as CallableRequest<unknown>['app'];

describe('requireAuth', () => {
  const saved = { ENFORCE_APP_CHECK: process.env.ENFORCE_APP_CHECK, GCLOUD_PROJECT: process.env.GCLOUD_PROJECT };
  beforeEach(() => silenceLogs(logs));
  afterEach(() => {
    jest.restoreAllMocks();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('returns the uid of the verified ID token', () => {
    expect(requireAuth(request({ auth }), 'getMyStreak')).toBe('ann');
  });

  it('rejects a caller without auth as unauthenticated', () => {
    expect(() => requireAuth(request({}), 'getMyStreak')).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
  });

  it('lets a request without App Check through in a demo- project (the tests\' own), whatever ENFORCE_APP_CHECK says', () => {
    process.env.ENFORCE_APP_CHECK = 'true';
    expect(requireAuth(request({ auth }), 'getMyStreak')).toBe('ann');
  });

  it('rejects a request without a verified App Check token in a real project, read at call time', () => {
    process.env.GCLOUD_PROJECT = 'focus-streaks-prod';
    delete process.env.ENFORCE_APP_CHECK;
    expect(() => requireAuth(request({ auth }), 'acceptFocusSession')).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(logs.appCheckMissing).toHaveBeenCalledWith({ fn: 'acceptFocusSession', uid: 'ann' });
    expect(requireAuth(request({ auth, app }), 'acceptFocusSession')).toBe('ann');
  });
});
