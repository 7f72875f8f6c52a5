import path from 'node:path';

/** The shape of firebase-functions' own trace store (lib/common/trace.js), as far as this code uses it. */
interface SdkTraceStore {
  run<R>(store: { traceId: string; parentId: string; sample: boolean; version: string }, work: () => R): R;
}

let loaded: SdkTraceStore | null | undefined;

/**
 * firebase-functions' logger stamps `logging.googleapis.com/trace` from its own store, which its
 * triggers fill from the event (a Pub/Sub CloudEvent's traceparent is Eventarc's, not the accept's), and
 * that stamp overrides a line's own field. Running the work in that store too, with the trace this code
 * chose, makes both agree. The store is internal to the SDK (no public export): it is reached by path and
 * checked; when it is not there, lines keep their own field wherever the SDK has no trace of its own.
 */
export function sdkTraceStore(): SdkTraceStore | null {
  if (loaded !== undefined) return loaded;
  try {
    // Beside the logger's module (lib/logger/index.js): lib/common/trace.js.
    const logger = path.dirname(require.resolve('firebase-functions/logger'));
    const store = (require(path.join(logger, '..', 'common', 'trace.js')) as { traceContext?: Partial<SdkTraceStore> & { getStore?: unknown } }).traceContext;
    loaded = store && typeof store.run === 'function' && typeof store.getStore === 'function' ? (store as SdkTraceStore) : null;
  } catch {
    loaded = null;
  }
  return loaded;
}
