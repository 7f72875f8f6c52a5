import { sql } from 'slonik';
import { z } from 'zod';
import type { AppClient } from '../../../scripts/lib/stack/appClient';
import type { Database } from '../../src/db/pool';
import { appClient, functionsDatabase, stack } from './support/stack';

// An own `__proto__` key, through the real stack: what the Firebase client SDK sends for such a body
// (recorded as it leaves), and what the Functions emulator answers when the bytes on the wire carry the
// key (a client that writes its own HTTP, as curl would). Every callable has the same parser.

const apps: AppClient[] = [];
let db: Database;
beforeAll(async () => {
  db = await functionsDatabase();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await db?.close();
});

const signedIn = async (name: string) => {
  const app = appClient(`${name}-${Date.now()}`);
  apps.push(app);
  const uid = await app.signIn(`${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`);
  return { app, uid };
};

/** Records the bodies the client SDK sends to the Functions emulator while `work` runs. */
async function sentBodies<T>(work: () => Promise<T>): Promise<{ result: T | unknown; bodies: string[] }> {
  const original = globalThis.fetch;
  const bodies: string[] = [];
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    if (String(input).includes(`:${stack().ports.functions}/`) && typeof init?.body === 'string') bodies.push(init.body);
    return original(input, init);
  }) as typeof fetch;
  try {
    return { result: await work().catch((error: unknown) => error), bodies };
  } finally {
    globalThis.fetch = original;
  }
}

type CallableAnswer = { error?: { status: string; details?: { issues?: Array<{ field: string; code: string }> } }; result?: unknown };

/** A callable over plain HTTP, as the callable protocol defines it, with these exact bytes as the body. */
async function postBytes(name: string, idToken: string, body: string): Promise<{ status: number; json: CallableAnswer }> {
  const { ports, projectId } = stack();
  const response = await fetch(`http://127.0.0.1:${ports.functions}/${projectId}/us-central1/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
    body,
  });
  return { status: response.status, json: (await response.json()) as CallableAnswer };
}

const session = (id: string) => ({ sessionId: id, startTime: '2025-06-02T07:00:00Z', endTime: '2025-06-02T07:40:00Z', timezone: 'UTC' });
const requests: Record<string, Record<string, unknown>> = {
  acceptFocusSession: session('proto-wire'),
  getMyStreak: {},
  addFriend: { friendId: 'someone-else' },
  removeFriend: { friendId: 'someone-else' },
  getFriends: {},
  getFriendsLeaderboard: { limit: 5 },
  exportMyData: {},
  deleteMyData: { confirm: true },
};

describe('an own __proto__ key through the client SDK and the Functions emulator', () => {
  it('the client SDK drops it before sending (its encoder assigns the key, which sets a prototype): the bytes carry no __proto__, and the session is stored as sent', async () => {
    const { app, uid } = await signedIn('proto-sdk');
    const data = JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(session('proto-sdk')).slice(1)}`);
    expect(Object.prototype.hasOwnProperty.call(data, '__proto__')).toBe(true);
    const { result, bodies } = await sentBodies(() => app.acceptFocusSession(data));
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).not.toContain('__proto__');
    expect(JSON.parse(bodies[0]!)).toEqual({ data: session('proto-sdk') });
    expect(result).toMatchObject({ accepted: true });
    const stored = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`select count(*)::int as n from focus_sessions where user_id = ${uid} and session_id = 'proto-sdk'`);
    expect(stored).toBe(1);
  });

  it.each(Object.keys(requests))('%s refuses bytes that carry the key (an object, a number, an empty object): invalid-argument, unknown_field __proto__, nothing stored', async (name) => {
    const { app, uid } = await signedIn(`proto-${name.toLowerCase()}`);
    const token = await app.auth.currentUser!.getIdToken();
    const fields = JSON.stringify(requests[name]).slice(1, -1);
    for (const value of ['{"admin":true}', '1', '{}']) {
      const answer = await postBytes(name, token, `{"data":{"__proto__":${value}${fields ? `,${fields}` : ''}}}`);
      expect({ value, status: answer.status, error: answer.json.error?.status }).toEqual({ value, status: 400, error: 'INVALID_ARGUMENT' });
      expect(answer.json.error?.details?.issues).toEqual(expect.arrayContaining([expect.objectContaining({ field: '__proto__', code: 'unknown_field' })]));
    }
    const rows = await db.pool.oneFirst(sql.type(z.object({ n: z.number() }))`
      select ((select count(*) from focus_sessions where user_id = ${uid}) + (select count(*) from friend_requests where requester_id = ${uid})
        + (select count(*) from deleted_users where user_id = ${uid}))::int as n`);
    expect(rows).toBe(0);
    // The same bytes without the key pass: the refusal is the key's.
    const plain = await postBytes(name, token, `{"data":{${fields}}}`);
    expect(plain.json.error?.status).not.toBe('INVALID_ARGUMENT');
  });
});
