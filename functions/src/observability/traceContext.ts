import { AsyncLocalStorage } from 'node:async_hooks';
import { sdkTraceStore } from './sdkTraceStore';
import { formatTraceparent, traceLogFields, type TraceContext } from './trace';

// The trace of the work under way in this async context (one callable call, one trigger event, one
// scheduled pass). The log catalogues read it, so every line of that work carries the trace without
// each call site passing it along; outside any trace a line simply has no trace fields.

interface ActiveTrace {
  trace: TraceContext;
  fields: Record<string, string | boolean>;
}

const active = new AsyncLocalStorage<ActiveTrace>();

/**
 * The project Cloud Logging's trace field names: the runtime's own (GCLOUD_PROJECT is set by Cloud
 * Functions and by the emulators, to the emulated project). Read per trace, not per line.
 */
function projectId(): string | undefined {
  return process.env.GCLOUD_PROJECT || process.env.GOOGLE_CLOUD_PROJECT || undefined;
}

/** Runs `work` with `trace` as the current trace. */
export function runWithTrace<T>(trace: TraceContext, work: () => T): T {
  const run = () => active.run({ trace, fields: traceLogFields(trace, projectId()) }, work);
  const sdk = sdkTraceStore();
  return sdk ? sdk.run({ traceId: trace.traceId, parentId: trace.spanId, sample: trace.sampled, version: '00' }, run) : run();
}

/** The current trace, if any. */
export function currentTrace(): TraceContext | undefined {
  return active.getStore()?.trace;
}

/** The current trace as a `traceparent` header (what the outbox row and the message carry), if any. */
export function currentTraceparent(): string | undefined {
  const trace = currentTrace();
  return trace && formatTraceparent(trace);
}

/** The Cloud Logging trace fields of the current trace, to spread into a log line's fields (empty outside a trace). */
export function traceFields(): Record<string, string | boolean> {
  return active.getStore()?.fields ?? {};
}

/** A log line's fields with the current trace's fields added (the catalogues' one way to carry the trace). */
export function traced<T extends object>(fields: T): T & Record<string, string | boolean> {
  return { ...fields, ...traceFields() };
}
