import fc from 'fast-check';
import { streakEventFields } from '../../src/contract/streakEvent';
import { handleStreakMessage, type StreakMessageEvent } from '../../src/projection/handleStreakMessage';
import { InMemoryStreakStore } from '../../src/projection/InMemoryStreakStore';
import { logs } from '../../src/projection/logs';
import { parseStreakMessage } from '../../src/projection/parseStreakMessage';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { streakEvent } from '../support/streakEvent';
import { FAR_TIMES, asJson, ONE_MB, PROTOTYPE_KEYS, corpusTally, describeInput, hostileValue, withOwnKey } from '../support/hostileValues';

// The hostile corpus against the Pub/Sub side: whatever a message holds, the parser answers
// {ok: false, reason} with a known reason and the projector drops it (malformed or stale) without
// building a store, writing or throwing, so a bad message can neither land nor loop in retries.
const RUNS = Number(process.env.HOSTILE_RUNS ?? 400) * 2;
const REASONS = new Set(['not-json', 'invalid-event', 'attributes-mismatch']);
const FIELDS = Object.keys(streakEventFields.shape) as Array<keyof typeof streakEventFields.shape>;
const valid = () => streakEvent('ada', 7);
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A value the event's own field schema refuses (as JSON carries it: NaN arrives as null), so the whole message must be refused too. */
const invalidFor = (field: (typeof FIELDS)[number]) => fc.oneof(hostileValue, fc.constantFrom(...FAR_TIMES)).filter((v) => !streakEventFields.shape[field].safeParse(asJson(v)).success);

const hostileMessage: fc.Arbitrary<StreakMessageEvent> = fc.oneof(
  // Bytes that are not UTF-8 JSON, and text that is not base64.
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ time: new Date().toISOString(), data: { message: { data: Buffer.from(bytes).toString('base64') } } })),
  fc.string({ unit: 'binary', maxLength: 64 }).map((text) => ({ time: new Date().toISOString(), data: { message: { data: text } } })),
  // JSON that is no event at all.
  fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 4 })).map((value) => messageEvent(JSON.stringify(value) ?? 'undefined')),
  // A valid event with one field (or several) broken.
  fc
    .subarray(FIELDS, { minLength: 1 })
    .chain((fields) => fc.tuple(...fields.map((f) => invalidFor(f).map((v) => [f, v] as const))))
    .map((pairs) => messageEvent(JSON.stringify({ ...valid(), ...Object.fromEntries(pairs) }) ?? '', { attributes: {} })),
  // A valid event with a field missing, or an extra own (prototype) key.
  fc.constantFrom(...FIELDS).map((f) => messageEvent(Object.fromEntries(Object.entries(valid()).filter(([k]) => k !== f)))),
  fc.tuple(fc.constantFrom<string>(...PROTOTYPE_KEYS, 'bonus'), hostileValue).map(([k, v]) => messageEvent(JSON.stringify(withOwnKey(valid(), k, v)))),
  // A valid event whose attributes tell another story.
  fc
    .record({ userId: fc.oneof(fc.constant('bob'), fc.string({ maxLength: 8 })), version: fc.oneof(fc.constantFrom('6', '07', '7.0', ' 7', 'NaN', ''), fc.string({ maxLength: 4 })) }, { requiredKeys: [] })
    .filter((a) => (a.userId !== undefined && a.userId !== 'ada') || (a.version !== undefined && a.version !== '7'))
    .map((attributes) => messageEvent(valid(), { attributes: attributes as Record<string, string> })),
  // The envelope itself odd: no message, a message that is not an object, huge data.
  fc.constantFrom<StreakMessageEvent>(
    {},
    { data: {} },
    { data: { message: null as never } },
    { data: { message: 'hello' as never } },
    { data: { message: { data: ONE_MB } } },
    { data: { message: { data: base64(`{"userId":"${ONE_MB}"}`) } } },
    { data: { message: { data: base64('{"userId":"ada",') } } },
    { data: { message: { data: base64(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) } } },
  ),
);

/** A well-formed message delivered with a hostile CloudEvent time: dropped as stale, or (future/unparsable time) projected. */
const hostileTime = fc.constantFrom('0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1999-12-31T23:59:59Z', 'yesterday', '', 'NaN', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z');

describe('the Pub/Sub message parser and projector against the hostile corpus', () => {
  const tally = corpusTally('streak messages');
  afterAll(() => tally.print());
  beforeEach(() => silenceLogs(logs));
  afterEach(() => jest.restoreAllMocks());

  it('parseStreakMessage answers every hostile message {ok: false, reason} with a known reason', () => {
    let tried = 0;
    fc.assert(
      fc.property(hostileMessage, (event) => {
        tried++;
        const parsed = parseStreakMessage((event.data?.message ?? {}) as never);
        if (parsed.ok) throw new Error(`accepted ${describeInput(event)}`);
        expect(REASONS.has(parsed.reason)).toBe(true);
        expect(parsed.problems.length).toBeGreaterThan(0);
        expect(parsed.problems.every((p) => typeof p === 'string' && p.length > 0)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    tally.add('parseStreakMessage', tried);
  });

  it('handleStreakMessage drops every hostile message without building a store or throwing', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(hostileMessage, async (event) => {
        tried++;
        const store = new InMemoryStreakStore();
        const storeFactory = jest.fn(async () => store);
        const result = await handleStreakMessage(event, { store: storeFactory });
        if (result.outcome !== 'malformed' && result.outcome !== 'stale') throw new Error(`${result.outcome} for ${describeInput(event)}`);
        expect(storeFactory).not.toHaveBeenCalled();
        expect(store.writes).toBe(0);
      }),
      { numRuns: RUNS },
    );
    const reasons = (logs.malformedMessage as jest.Mock).mock.calls.map((c) => c[1] as string);
    expect(reasons.filter((r) => !REASONS.has(r))).toEqual([]);
    tally.add('handleStreakMessage', tried);
  });

  it('drops a valid message with a hostile CloudEvent time as stale, or projects it once; never throws', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(hostileTime, fc.integer({ min: 1, max: 1000 }), async (time, version) => {
        tried++;
        const store = new InMemoryStreakStore();
        const result = await handleStreakMessage(messageEvent(streakEvent('ada', version), { time }), { store: async () => store });
        expect(['stale', 'written']).toContain(result.outcome);
        expect(store.writes).toBe(result.outcome === 'written' ? 1 : 0);
      }),
      { numRuns: 100 },
    );
    tally.add('handleStreakMessage (event time)', tried);
  });
});
