import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { EntityProto, entityDocument, MEANING } from '../lib/backfill/export/entityDocument';
import { filesOfShard, findExportFiles } from '../lib/backfill/export/exportFiles';
import { readLogRecords } from '../lib/backfill/export/logReader';
import { entityRecord } from '../lib/bench/entityRecord';
import { logFile } from '../lib/bench/logWriter';
import { legacyInstant } from '../../functions/src/legacy';

// The EntityProto records of --from-export as documents, and where an export keeps its files.

const EMULATOR_EXPORT = path.join(__dirname, 'fixtures/emulator-export');
const encode = (message: Record<string, unknown>) => EntityProto.encode(message as never).finish();
const decoded = (bytes: Uint8Array) => {
  const result = entityDocument(bytes);
  if (!result.ok) throw new Error(result.problem);
  return result;
};

describe('entityDocument', () => {
  it('maps every value encoding to what the Firestore source yields', () => {
    const micros = Date.UTC(2024, 0, 10, 14) * 1000 + 123_456;
    const bytes = entityRecord('users/ana/sessions/s1', {
      userId: 'ana',
      startTime: { micros },
      count: 42,
      ratio: 1.5,
      whole: { double: 2 },
      done: true,
      nothing: null,
      friends: ['ben', 'cy'],
      none: [],
      legacy: { _seconds: 1_700_000_000, _nanoseconds: 0, nested: { deep: 'x', list: [1, { a: 'b' }] } },
      blob: Buffer.from([0, 1, 2]),
      text: 'ü'.repeat(3000),
    });
    const doc = decoded(bytes);
    expect(doc.path).toBe('users/ana/sessions/s1');
    const { startTime, ...rest } = doc.data;
    expect(rest).toEqual({
      userId: 'ana',
      count: 42,
      ratio: 1.5,
      whole: 2,
      done: true,
      nothing: null,
      friends: ['ben', 'cy'],
      none: [],
      legacy: { _seconds: 1_700_000_000, _nanoseconds: 0, nested: { deep: 'x', list: [1, { a: 'b' }] } },
      blob: Buffer.from([0, 1, 2]),
      text: 'ü'.repeat(3000),
    });
    // A timestamp reads as firebase-admin's does, and is stored as the same JSON in a reject's raw.
    const admin = new Timestamp(Math.floor(micros / 1e6), 123_456_000);
    expect(legacyInstant(startTime)).toBe(admin.toMillis());
    expect(JSON.stringify(startTime)).toBe(JSON.stringify(admin));
    expect(legacyInstant(doc.data.legacy)).toBe(1_700_000_000_000);
  });

  it('reads numeric ids, references, geo points, indexed and unindexed properties, and timestamps before 1970', () => {
    const bytes = encode({
      key: { app: 'p~x', path: { element: [{ type: 'users', id: 5 }, { type: 'sessions', name: 's' }] } },
      property: [
        { name: 'where', multiple: false, meaning: MEANING.GEORSS_POINT, value: { pointValue: { x: 1.5, y: -2.5 } } },
        { name: 'tags', multiple: true, value: { stringValue: Buffer.from('a') } },
      ],
      rawProperty: [
        { name: 'owner', multiple: false, value: { referenceValue: { app: 'p~x', pathElement: [{ type: 'users', name: 'ana' }] } } },
        { name: 'old', multiple: false, meaning: MEANING.GD_WHEN, value: { int64Value: -1_500_000 } },
        { name: 'long', multiple: false, meaning: MEANING.TEXT, value: { stringValue: Buffer.from('text') } },
        { name: 'tags', multiple: true, value: { stringValue: Buffer.from('b') } },
      ],
    });
    const doc = decoded(bytes);
    expect(doc.path).toBe('users/__id5__/sessions/s');
    expect({ ...doc.data, old: legacyInstant(doc.data.old) }).toEqual({ where: { latitude: 1.5, longitude: -2.5 }, tags: ['a', 'b'], owner: 'users/ana', old: -1500, long: 'text' });
  });

  it('refuses, with a reason, bytes that are no entity and entities without a usable key', () => {
    expect(entityDocument(Buffer.from([0xff, 0xff, 0xff]))).toEqual({ ok: false, problem: expect.stringMatching(/^not an EntityProto/) });
    expect(entityDocument(encode({ key: { app: 'x', path: { element: [] } } }))).toEqual({ ok: false, problem: 'the entity has no key path' });
    expect(entityDocument(encode({ key: { app: 'x', path: { element: [{ type: 'sessions' }] } } }))).toEqual({ ok: false, problem: 'a key path element has no kind, or neither name nor id' });
  });

  it('decodes the records the Cloud CLI Firestore emulator exported (a fixture of its own bytes)', async () => {
    const found = findExportFiles(EMULATOR_EXPORT, 'sessions');
    if (!found.ok) throw new Error(found.problem);
    const docs: Array<{ path: string; data: Record<string, unknown> }> = [];
    for await (const entry of readLogRecords(found.export.files[0]!.absolute)) {
      if (entry.kind !== 'record') throw new Error(entry.problem);
      docs.push(decoded(entry.data));
    }
    expect(docs.map((d) => d.path)).toEqual(['users/ana', 'sessions/s1', 'users/ana/sessions/s2']);
    const s1 = docs[1]!.data;
    expect(JSON.parse(JSON.stringify({ ...s1, long: (s1.long as string).length }))).toEqual({
      userId: 'ana',
      startTime: { _seconds: 1704895200, _nanoseconds: 123456000 },
      n: 42,
      d: 1.5,
      b: true,
      z: null,
      arr: ['x', 1],
      empty: [],
      m: { _seconds: 1700000000, _nanoseconds: 0 },
      em: {},
      g: { latitude: 1.5, longitude: 2.5 },
      by: { type: 'Buffer', data: [0, 1, 2] },
      ref: 'users/ana',
      long: 2000,
    });
    expect(docs[0]!.data).toEqual({ friends: ['ben'], timezone: 'UTC' });
  });
});

describe('findExportFiles', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'export-layout-'));
  const touch = (file: string, bytes: Buffer = logFile([])) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  };
  // A managed export of chosen collection ids: <prefix>/<prefix>.overall_export_metadata, one kind_<id> per id.
  const managed = path.join(base, 'managed', '2025-06-01T00:00:00_1234');
  for (const kind of ['sessions', 'users']) {
    for (const i of [0, 1, 2, 10]) touch(path.join(managed, 'all_namespaces', `kind_${kind}`, `output-${i}`));
    touch(path.join(managed, 'all_namespaces', `kind_${kind}`, `all_namespaces_kind_${kind}.export_metadata`), Buffer.from('m'));
  }
  touch(path.join(managed, '2025-06-01T00:00:00_1234.overall_export_metadata'), Buffer.from('m'));

  it('finds the files of the collection from the root, all_namespaces/ or the kind directory, in index order', () => {
    for (const dir of [managed, path.join(managed, 'all_namespaces'), path.join(managed, 'all_namespaces', 'kind_sessions'), path.join(base, 'managed')]) {
      const found = findExportFiles(dir, 'sessions');
      expect(found).toMatchObject({ ok: true, export: { root: managed, kindDir: 'kind_sessions' } });
      if (found.ok) expect(found.export.files.map((f) => f.name)).toEqual([0, 1, 2, 10].map((i) => `all_namespaces/kind_sessions/output-${i}`));
    }
  });

  it('takes all_kinds (an export of every collection, and the emulator’s) for any collection', () => {
    expect(findExportFiles(EMULATOR_EXPORT, 'users')).toMatchObject({ ok: true, export: { kindDir: 'all_kinds' } });
  });

  it('says what is wrong: no export, several exports, no directory for the collection', () => {
    const empty = path.join(base, 'empty');
    mkdirSync(empty);
    expect(findExportFiles(empty, 'sessions')).toEqual({ ok: false, problem: expect.stringMatching(/holds no Firestore export/) });
    const two = path.join(base, 'two');
    touch(path.join(two, 'a', 'a.overall_export_metadata'));
    touch(path.join(two, 'b', 'b.overall_export_metadata'));
    expect(findExportFiles(two, 'sessions')).toEqual({ ok: false, problem: expect.stringMatching(/holds 2 exports \(a, b\); give one of them/) });
    expect(findExportFiles(managed, 'streaks')).toEqual({ ok: false, problem: expect.stringMatching(/neither all_namespaces\/kind_streaks nor all_namespaces\/all_kinds \(it has: kind_sessions, kind_users\)/) });
    expect(findExportFiles(path.join(base, 'missing'), 'sessions')).toEqual({ ok: false, problem: expect.stringMatching(/is not a directory/) });
  });

  it('splits files over shards by index modulo N: every file in exactly one shard', () => {
    const found = findExportFiles(managed, 'sessions');
    if (!found.ok) throw new Error(found.problem);
    const shards = [0, 1, 2].map((index) => filesOfShard(found.export.files, { index, count: 3 }).map((f) => f.index));
    expect(shards).toEqual([[0], [1, 10], [2]]);
    expect(readFileSync(found.export.files[0]!.absolute).length).toBe(0);
  });
});
