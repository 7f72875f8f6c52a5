import fc from 'fast-check';
import { streakAdjustmentMessageSchema } from '../../src/contract/streakAdjustmentMessage';
import { handleAdjustmentMessage, type AdjustmentMessageEvent } from '../../src/adjustments/handleAdjustmentMessage';
import { logs } from '../../src/adjustments/logs';
import { parseAdjustmentMessage } from '../../src/adjustments/parseAdjustmentMessage';
import { messageEvent } from '../support/messageEvent';
import { silenceLogs } from '../support/silenceLogs';
import { FAR_TIMES, asJson, ONE_MB, PROTOTYPE_KEYS, UNICODE, corpusTally, describeInput, hostileValue, withOwnKey } from '../support/hostileValues';

// The hostile corpus against the streak-adjustments topic: whatever a message holds, the parser
// answers {ok: false, reason} with a known reason and the handler drops it (malformed) without asking
// for the database, so a bad message can neither write nor loop in retries.
const RUNS = Number(process.env.HOSTILE_RUNS ?? 400) * 2;
const REASONS = new Set(['not-json', 'invalid-adjustment', 'no-message-id']);
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** One valid message of each kind, and the schema of each of its fields. */
const VALID = {
  'grant-freezes': { adjustmentId: 'order-1:freezes', userId: 'ada', kind: 'grant-freezes', count: 2, effectiveFrom: '2025-03-09', reason: 'purchase order-1' },
  repair: { adjustmentId: 'support-7', userId: 'ada', kind: 'repair', date: '2025-03-08', reason: 'outage 2025-03-08' },
  revoke: { adjustmentId: 'refund-1', userId: 'ada', kind: 'revoke', revokes: 'order-1:freezes', reason: 'refund order-1' },
} as const;
type Kind = keyof typeof VALID;
const KINDS = Object.keys(VALID) as Kind[];
const shapeOf = (kind: Kind) => streakAdjustmentMessageSchema.options.find((o) => o.shape.kind.value === kind)!.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
const ALL_FIELDS = [...new Set(KINDS.flatMap((k) => Object.keys(VALID[k])))];

/** A value the field's own schema refuses (as JSON carries it: NaN arrives as null), so the whole message must be refused too. */
const invalidFor = (kind: Kind, field: string) => fc.oneof(hostileValue, fc.constantFrom(...FAR_TIMES)).filter((v) => !shapeOf(kind)[field]!.safeParse(asJson(v)).success);

/** A valid message of `kind` with one field (or several) broken. */
const brokenFields = (kind: Kind) =>
  fc
    .subarray(Object.keys(VALID[kind]), { minLength: 1 })
    .chain((fields) => fc.tuple(...fields.map((f) => invalidFor(kind, f).map((v) => [f, v] as const))))
    .map((pairs) => messageEvent(JSON.stringify({ ...VALID[kind], ...Object.fromEntries(pairs) }) ?? ''));

/** Message ids no actor may be made of: missing, not a string, empty, with spaces or controls, or far too long. */
const BAD_MESSAGE_IDS: readonly unknown[] = [undefined, null, '', ' ', 'm 1', 'm\n1', 'x'.repeat(101), ONE_MB, 42, {}, ['1'], ...UNICODE.slice(0, 9)];

const hostileMessage: fc.Arbitrary<AdjustmentMessageEvent> = fc.oneof(
  // Bytes that are not UTF-8 JSON, and text that is not base64.
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ time: new Date().toISOString(), data: { message: { messageId: '1', data: Buffer.from(bytes).toString('base64') } } })),
  fc.string({ unit: 'binary', maxLength: 64 }).map((text) => ({ time: new Date().toISOString(), data: { message: { messageId: '1', data: text } } })),
  // JSON that is no adjustment at all.
  fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 4 })).map((value) => messageEvent(JSON.stringify(value) ?? 'undefined')),
  // A valid message of each kind with a field (or several) broken.
  fc.constantFrom(...KINDS).chain(brokenFields),
  // A valid message with a field missing.
  fc.constantFrom(...KINDS).chain((kind) => fc.constantFrom(...Object.keys(VALID[kind])).map((f) => messageEvent(Object.fromEntries(Object.entries(VALID[kind]).filter(([k]) => k !== f))))),
  // A valid message with an own (prototype) key, an unknown one, or another kind's field, whatever its value.
  fc
    .tuple(fc.constantFrom(...KINDS), fc.constantFrom<string>(...PROTOTYPE_KEYS, 'bonus', 'actor', 'messageId', ...ALL_FIELDS), fc.oneof(hostileValue, fc.constantFrom<unknown>(1, '2025-03-09', 'order-1:freezes')))
    .filter(([kind, key]) => !(key in VALID[kind]))
    .map(([kind, key, value]) => messageEvent(JSON.stringify(withOwnKey(VALID[kind], key, value)))),
  // A valid message in an envelope whose message id cannot name the actor.
  fc.tuple(fc.constantFrom(...KINDS), fc.constantFrom(...BAD_MESSAGE_IDS)).map(([kind, messageId]) => {
    const event = messageEvent(VALID[kind]);
    (event.data!.message as Record<string, unknown>).messageId = messageId;
    return event;
  }),
  // The envelope itself odd: no message, a message that is not an object, huge or truncated data.
  fc.constantFrom<AdjustmentMessageEvent>(
    {},
    { data: {} },
    { data: { message: null as never } },
    { data: { message: 'hello' as never } },
    { data: { message: { messageId: '1', data: ONE_MB } } },
    { data: { message: { messageId: '1', data: base64(`{"userId":"${ONE_MB}"}`) } } },
    { data: { message: { messageId: '1', data: base64('{"adjustmentId":"a",') } } },
    { data: { message: { messageId: '1', data: base64(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) } } },
  ),
);

describe('the streak-adjustments parser and handler against the hostile corpus', () => {
  const tally = corpusTally('adjustment messages');
  afterAll(() => tally.print());
  beforeEach(() => silenceLogs(logs));
  afterEach(() => jest.restoreAllMocks());

  it('the valid messages the corpus breaks are themselves accepted', () => {
    for (const kind of KINDS) expect(parseAdjustmentMessage(messageEvent(VALID[kind]).data!.message!)).toMatchObject({ ok: true });
  });

  it('parseAdjustmentMessage answers every hostile message {ok: false, reason} with a known reason', () => {
    let tried = 0;
    fc.assert(
      fc.property(hostileMessage, (event) => {
        tried++;
        const parsed = parseAdjustmentMessage((event.data?.message ?? {}) as never);
        if (parsed.ok) throw new Error(`accepted ${describeInput(event)}`);
        expect(REASONS.has(parsed.reason)).toBe(true);
        expect(parsed.problems.length).toBeGreaterThan(0);
        expect(parsed.problems.every((p) => typeof p === 'string' && p.length > 0)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    tally.add('parseAdjustmentMessage', tried);
  });

  it('handleAdjustmentMessage drops every hostile message without asking for the database or throwing', async () => {
    let tried = 0;
    const runtime = jest.fn(() => Promise.reject(new Error('the database must not be asked for')));
    await fc.assert(
      fc.asyncProperty(hostileMessage, async (event) => {
        tried++;
        const result = await handleAdjustmentMessage(event, { runtime });
        if (result.outcome !== 'malformed') throw new Error(`${result.outcome} for ${describeInput(event)}`);
        expect(REASONS.has(result.reason)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect(runtime).not.toHaveBeenCalled();
    const reasons = (logs.malformedMessage as jest.Mock).mock.calls.map((c) => c[1] as string);
    expect(reasons.length).toBe(tried);
    expect(reasons.filter((r) => !REASONS.has(r))).toEqual([]);
    tally.add('handleAdjustmentMessage', tried);
  });
});
