import type { CallableRequest } from 'firebase-functions/https';
import { logs } from '../../src/callables/logs';
import { requireAuth } from '../../src/callables/requireAuth';
import { silenceLogs } from '../support/silenceLogs';

const request = (fields: Partial<CallableRequest<unknown>>) => ({ data: {}, rawRequest: {}, acceptsStreaming: false, ...fields }) as CallableRequest<unknown>;
const auth = { uid: 'ann', token: {}, rawToken: '' } as unknown as CallableRequest<unknown>['auth'];
const app = { appId: 'app-1', token: {} } as unknown as CallableRequest<unknown>['app'];

describe('requireAuth', () => {
  const saved = process.env.ENFORCE_APP_CHECK;
  beforeEach(() => silenceLogs(logs));
  afterEach(() => {
    jest.restoreAllMocks();
    if (saved === undefined) delete process.env.ENFORCE_APP_CHECK;
    else process.env.ENFORCE_APP_CHECK = saved;
  });

  it('returns the uid of the verified ID token', () => {
    expect(requireAuth(request({ auth }), 'getMyStreak')).toBe('ann');
  });

  it('rejects a caller without auth as unauthenticated', () => {
    expect(() => requireAuth(request({}), 'getMyStreak')).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
  });

  it('lets a request without App Check through while ENFORCE_APP_CHECK is off (its default)', () => {
    delete process.env.ENFORCE_APP_CHECK;
    expect(requireAuth(request({ auth }), 'getMyStreak')).toBe('ann');
  });

  it('rejects a request without a verified App Check token when ENFORCE_APP_CHECK is on, read at call time', () => {
    process.env.ENFORCE_APP_CHECK = 'true';
    expect(() => requireAuth(request({ auth }), 'acceptFocusSession')).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(logs.appCheckMissing).toHaveBeenCalledWith({ fn: 'acceptFocusSession', uid: 'ann' });
    expect(requireAuth(request({ auth, app }), 'acceptFocusSession')).toBe('ann');
  });
});
