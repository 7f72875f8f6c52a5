import fc from 'fast-check';

// The hostile corpus's building blocks: values an app, a bad client, a legacy writer or an attacker
// can put where a field is expected. Shared by every hostile-input spec (callables, messages,
// legacy documents, CLI flags), so each door is tried with the same nasty values.

/** 1 MiB (and then some) strings: far past every length limit, cheap to build once. */
export const ONE_MB = 'x'.repeat(1 << 20);
export const ONE_MB_UNICODE = '\u{1F525}'.repeat(1 << 18);
const DEEP_ARRAY = Array.from({ length: 2000 }).reduce<unknown>((inner) => [inner], []);

export const HOUR_MS = 3_600_000;
/** 2025-03-09T09:00:00Z in epoch seconds: a client that sends seconds where ms are meant. */
export const EPOCH_SECONDS = 1_741_510_800;

/** Times that must never be stored: before 2000, at the ends of what Date can hold, or not instants. */
export const FAR_TIMES: readonly unknown[] = [
  EPOCH_SECONDS, // seconds read as ms: January 1970
  EPOCH_SECONDS * 1000 * 1000, // µs read as ms: year 57,000
  String(EPOCH_SECONDS * 1000), // ms as a string
  '1999-12-31T23:59:59Z',
  '1999-12-31T23:59:59.999-00:00',
  Date.UTC(1999, 11, 31, 23, 59, 59, 999),
  '1890-06-01T10:00:00+00:09', // local mean time era
  '0001-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '3000-01-01T00:00:00Z',
  8.64e15,
  8.64e15 + 1,
  -8.64e15,
  -62_135_596_800_000, // 0001-01-01 in ms
  253_402_300_800_000, // 10000-01-01 in ms
  -1,
  0,
  1.5,
  Date.UTC(2025, 2, 9, 9) + 0.5,
  '2025-03-09T09:00:00', // no offset
  '2025-03-09 09:00:00Z',
  '2025-02-30T09:00:00Z',
  '2025-03-09T24:00:00Z',
  '2025-03-09T09:00:00+24:00',
  '2025-03-09T09:00:00Z\n',
  ' 2025-03-09T09:00:00Z',
  '2025-03-09T09:00:00.1234567890Z',
  '２０２５-03-09T09:00:00Z', // full-width digits
  'Sun, 09 Mar 2025 09:00:00 GMT',
  { seconds: EPOCH_SECONDS, nanoseconds: 0 },
  { _seconds: EPOCH_SECONDS, _nanoseconds: 0 },
  { '@type': 'type.googleapis.com/google.protobuf.Int64Value', value: String(Date.UTC(2025, 2, 9, 9)) },
];

/** Numbers that JSON cannot carry (the SDK body holds them as strings) and the strings themselves. */
export const NON_FINITE: readonly unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 'NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x10', '1_000', '١٢'];

/** Zones no door may accept: unknown everywhere, known to ICU but not PostgreSQL, or not zones. */
export const BAD_ZONES: readonly unknown[] = [
  'US/Pacific-New',
  'SystemV/AST4',
  'Mars/Olympus_Mons',
  'Europe/Paris ',
  '/Europe/Paris',
  'Europe//Paris',
  'Europe/Paris\u0000',
  '+05:00',
  'UTC+5',
  'GMT+25',
  'Etc/GMT+99',
  '../../etc/passwd',
  'Europe/Pa\u0301ris',
  'a'.repeat(65),
  `Europe/${'Paris'.repeat(20)}`,
];

export const UNICODE: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\uD800', // lone surrogate
  '\u202Eevil', // right-to-left override
  '\u200B', // zero-width space
  'e\u0301\u0301\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '🔥'.repeat(129),
  '\u{10FFFF}',
  "'; drop table focus_sessions; --",
  '$1',
  '%s%s%n',
  '${process.exit()}',
  'a'.repeat(129),
  ONE_MB,
  ONE_MB_UNICODE,
];

export const ODD_SHAPES: readonly unknown[] = [
  null,
  undefined,
  true,
  false,
  [],
  {},
  [[[[[]]]]],
  DEEP_ARRAY,
  [1, 2, 3],
  ['2025-03-09T09:00:00Z'],
  { $gt: '' },
  { toString: 'x', valueOf: 1 },
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_VALUE,
  -0,
  1e308,
];

/** Keys that mean something to JavaScript objects; JSON.parse makes them own keys. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'] as const;

const randomText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 10 }));

/** Any hostile value: the fixed lists above, random JSON, random text and non-integer numbers. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FAR_TIMES) },
  { weight: 2, arbitrary: fc.constantFrom(...NON_FINITE) },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_ZONES) },
  { weight: 3, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_SHAPES) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: randomText },
  { weight: 1, arbitrary: fc.double({ noInteger: true }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...FAR_TIMES, ...UNICODE.slice(0, 8)), { maxLength: 4 }) },
);

/** `base` with an extra own key set by JSON.parse, as a decoded HTTP body or export line has it. */
export function withOwnKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const body = JSON.stringify(base).slice(1, -1);
  const extra = `${JSON.stringify(key)}:${JSON.stringify(value ?? null)}`;
  return JSON.parse(`{${body ? `${body},` : ''}${extra}}`) as Record<string, unknown>;
}

/** A hostile value as JSON can carry it (undefined, NaN and Infinity become null, as JSON.stringify writes them). */
export function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** A short description of an input for failure messages: never the 1 MB strings themselves. */
export function describeInput(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v === undefined ? '<undefined>' : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

/** Inputs tried per target, printed once per file so the corpus's size can be quoted. */
export function corpusTally(file: string) {
  const counts = new Map<string, number>();
  return {
    add(target: string, n = 1) {
      counts.set(target, (counts.get(target) ?? 0) + n);
    },
    print() {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const lines = [...counts.entries()].map(([target, n]) => `  ${target}: ${n}`);
      // eslint-disable-next-line no-console
      console.log(`hostile corpus (${file}): ${total} inputs\n${lines.join('\n')}`);
    },
  };
}
