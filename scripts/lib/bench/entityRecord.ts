import { EntityProto, MEANING } from '../backfill/export/entityDocument';

/** A value as the encoder takes it; `{ micros }` is a Firestore timestamp (µs, as an export keeps it). */
export type ExportValue = null | boolean | number | string | Buffer | { micros: number } | { double: number } | ExportValue[] | { [field: string]: ExportValue };

/**
 * Encodes a document the way a managed export stores it (one EntityProto per record): key path
 * elements by name, timestamps as GD_WHEN µs, maps as embedded entities (ENTITY_PROTO), arrays as
 * repeated `multiple` properties, an empty array as EMPTY_LIST, integers in int64Value and other
 * numbers in doubleValue. For the benchmark's synthetic exports and the reader's tests.
 */
export function entityRecord(documentPath: string, data: Record<string, ExportValue>, options: { app?: string } = {}): Uint8Array {
  return EntityProto.encode(entity(documentPath, data, options.app ?? 'dev~demo-bench') as never).finish();
}

function entity(documentPath: string | null, data: Record<string, ExportValue>, app: string) {
  const segments = documentPath === null ? [] : documentPath.split('/');
  const element = [];
  for (let i = 0; i + 1 < segments.length; i += 2) element.push({ type: segments[i], name: segments[i + 1] });
  const rawProperty = [];
  for (const [name, value] of Object.entries(data)) {
    if (Array.isArray(value)) {
      if (value.length === 0) rawProperty.push({ name, multiple: false, meaning: MEANING.EMPTY_LIST, value: {} });
      for (const v of value) rawProperty.push({ name, multiple: true, ...property(v, app) });
    } else rawProperty.push({ name, multiple: false, ...property(value, app) });
  }
  return { key: { app: documentPath === null ? '' : app, path: { element } }, entityGroup: { element: element.slice(0, 1) }, rawProperty };
}

function property(value: ExportValue, app: string): { meaning?: number; value: Record<string, unknown> } {
  if (value === null) return { value: {} };
  if (typeof value === 'boolean') return { value: { booleanValue: value } };
  if (typeof value === 'number') return { value: Number.isInteger(value) ? { int64Value: value } : { doubleValue: value } };
  if (typeof value === 'string') return { value: { stringValue: Buffer.from(value, 'utf8') } };
  if (Buffer.isBuffer(value)) return { meaning: MEANING.BLOB, value: { stringValue: value } };
  if (Array.isArray(value)) throw new Error('Firestore has no arrays in arrays');
  if ('micros' in value && typeof value.micros === 'number') return { meaning: MEANING.GD_WHEN, value: { int64Value: value.micros } };
  if ('double' in value && typeof value.double === 'number') return { value: { doubleValue: value.double } };
  const embedded = EntityProto.encode(entity(null, value as Record<string, ExportValue>, app) as never).finish();
  return { meaning: MEANING.ENTITY_PROTO, value: { stringValue: embedded } };
}
