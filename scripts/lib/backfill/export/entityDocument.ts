import path from 'node:path';
import protobuf from 'protobufjs';
import { ExportTimestamp } from './exportTimestamp';

/** Property.Meaning values the mapping depends on (entity.proto). */
export const MEANING = { GD_WHEN: 7, GEORSS_POINT: 9, BLOB: 14, TEXT: 15, BYTESTRING: 16, ENTITY_PROTO: 19, EMPTY_LIST: 24 } as const;

const root = protobuf.loadSync(path.join(__dirname, 'entity.proto'));
/** The EntityProto message type, for decoding here and for encoding in the tests and the benchmark's writer. */
export const EntityProto = root.lookupType('storage_onestore_v3.EntityProto');

type Int64 = number | { toNumber(): number };
interface PathMessage {
  element?: Array<{ type?: string; id?: Int64; name?: string }>;
}
interface ValueMessage {
  int64Value?: Int64;
  booleanValue?: boolean;
  stringValue?: Uint8Array;
  doubleValue?: number;
  pointValue?: { x?: number; y?: number };
  userValue?: { email?: string; authDomain?: string };
  referenceValue?: { pathElement?: Array<{ type?: string; id?: Int64; name?: string }> };
}
interface PropertyMessage {
  meaning?: number;
  name?: string;
  multiple?: boolean;
  value?: ValueMessage;
}
interface EntityMessage {
  key?: { path?: PathMessage };
  property?: PropertyMessage[];
  rawProperty?: PropertyMessage[];
}

export type EntityResult = { ok: true; path: string; data: Record<string, unknown> } | { ok: false; problem: string };

const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
const int = (v: Int64) => (typeof v === 'number' ? v : v.toNumber());

/**
 * One export record as the Firestore source presents a document: its path (`users/u/sessions/s`)
 * and its data with Firestore's values (Timestamps, numbers, strings, booleans, null, arrays, maps;
 * bytes as Buffer, geo points as {latitude, longitude}, references as their document path).
 */
export function entityDocument(record: Uint8Array): EntityResult {
  let entity: EntityMessage;
  try {
    entity = EntityProto.decode(record) as unknown as EntityMessage;
  } catch (error) {
    return { ok: false, problem: `not an EntityProto (${(error as Error).message})` };
  }
  const elements = entity.key?.path?.element ?? [];
  if (elements.length === 0) return { ok: false, problem: 'the entity has no key path' };
  const documentPath = pathOf(elements);
  if (documentPath === null) return { ok: false, problem: 'a key path element has no kind, or neither name nor id' };
  try {
    return { ok: true, path: documentPath, data: propertiesOf(entity) };
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
}

/** Firestore keeps a numeric Datastore id as the document id `__id<n>__`. */
function pathOf(elements: NonNullable<PathMessage['element']>): string | null {
  const segments: string[] = [];
  for (const e of elements) {
    const id = has(e, 'name') ? e.name : has(e, 'id') ? `__id${int(e.id as Int64)}__` : undefined;
    if (!e.type || id === undefined || id === '') return null;
    segments.push(e.type, id);
  }
  return segments.join('/');
}

function propertiesOf(entity: EntityMessage): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const list of [entity.property, entity.rawProperty]) {
    for (const p of list ?? []) {
      if (p.name === undefined) throw new Error('a property has no name');
      const value = valueOf(p);
      if (p.multiple) {
        const current = data[p.name];
        if (Array.isArray(current)) current.push(value);
        else data[p.name] = [value];
      } else data[p.name] = value;
    }
  }
  return data;
}

function valueOf(p: PropertyMessage): unknown {
  const v = p.value ?? {};
  const meaning = p.meaning ?? 0;
  if (has(v, 'int64Value')) {
    const n = int(v.int64Value as Int64);
    return meaning === MEANING.GD_WHEN ? ExportTimestamp.fromMicros(n) : n;
  }
  if (has(v, 'stringValue')) {
    const bytes = v.stringValue as Uint8Array;
    if (meaning === MEANING.ENTITY_PROTO) return propertiesOf(EntityProto.decode(bytes) as unknown as EntityMessage);
    if (meaning === MEANING.BLOB || meaning === MEANING.BYTESTRING) return Buffer.from(bytes);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  if (has(v, 'doubleValue')) return v.doubleValue;
  if (has(v, 'booleanValue')) return v.booleanValue;
  if (has(v, 'pointValue')) return { latitude: v.pointValue?.x ?? 0, longitude: v.pointValue?.y ?? 0 };
  if (has(v, 'referenceValue')) return pathOf(v.referenceValue?.pathElement ?? []);
  if (has(v, 'userValue')) return { email: v.userValue?.email ?? null, authDomain: v.userValue?.authDomain ?? null };
  return meaning === MEANING.EMPTY_LIST ? [] : null;
}
