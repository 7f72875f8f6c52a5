import { createHash, randomBytes } from 'node:crypto';

// One request's place in a distributed trace, as W3C Trace Context and Cloud Trace spell it. Pure:
// parsing and formatting only, no clock, no environment (the id generator is the one exception, and
// it takes its bytes from crypto).

/** A trace id (32 lowercase hex, not all zeros), the current span (16 lowercase hex, not all zeros), sampled or not. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
// version 00: exactly four fields; a later version may append fields after the flags.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})\/(\d{1,20})(?:;o=([01]))?$/;
const MAX_SPAN = (1n << 64n) - 1n;

const validTraceId = (id: string) => TRACE_ID.test(id) && id !== ZERO_TRACE;
const validSpanId = (id: string) => SPAN_ID.test(id) && id !== ZERO_SPAN;

/** A W3C `traceparent` header, or null when it is not one this code may continue (then start a new trace). */
export function parseTraceparent(header: string | undefined | null): TraceContext | null {
  if (typeof header !== 'string' || header.length > 512) return null;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  // ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (!validTraceId(traceId) || !validSpanId(spanId)) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** An `X-Cloud-Trace-Context` header (`TRACE_ID/SPAN_ID;o=1`, the span in decimal), or null when malformed. */
export function parseCloudTraceContext(header: string | undefined | null): TraceContext | null {
  if (typeof header !== 'string' || header.length > 128) return null;
  const m = CLOUD_TRACE.exec(header.trim());
  if (!m) return null;
  const traceId = m[1]!.toLowerCase();
  const span = BigInt(m[2]!);
  if (span === 0n || span > MAX_SPAN) return null;
  const spanId = span.toString(16).padStart(16, '0');
  if (!validTraceId(traceId)) return null;
  return { traceId, spanId, sampled: m[3] === '1' };
}

/** The `traceparent` header of a context (version 00). */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

/** The `X-Cloud-Trace-Context` header of a context (span id in decimal). */
export function formatCloudTraceContext(trace: TraceContext): string {
  return `${trace.traceId}/${BigInt(`0x${trace.spanId}`).toString(10)};o=${trace.sampled ? 1 : 0}`;
}

/** The fields Cloud Logging reads off a structured line to group it under its trace. */
export function traceLogFields(trace: TraceContext, projectId: string | undefined): Record<string, string | boolean> {
  return {
    'logging.googleapis.com/trace': projectId ? `projects/${projectId}/traces/${trace.traceId}` : trace.traceId,
    'logging.googleapis.com/spanId': trace.spanId,
    'logging.googleapis.com/trace_sampled': trace.sampled,
  };
}

/** A request's trace from its headers: traceparent first, then X-Cloud-Trace-Context, else null. */
export function traceFromHeaders(headers: Record<string, string | string[] | undefined> | undefined): TraceContext | null {
  const header = (name: string) => {
    const value = headers?.[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return parseTraceparent(header('traceparent')) ?? parseCloudTraceContext(header('x-cloud-trace-context'));
}

/** A fresh trace (sampled: the platform samples, not this code). */
export function newTrace(bytes: (n: number) => Buffer = randomBytes): TraceContext {
  for (;;) {
    const traceId = bytes(16).toString('hex');
    const spanId = bytes(8).toString('hex');
    if (validTraceId(traceId) && validSpanId(spanId)) return { traceId, spanId, sampled: true };
  }
}

/** A new span of the same trace: this process's own step (the parent's span id is the caller's). */
export function childSpan(parent: TraceContext, bytes: (n: number) => Buffer = randomBytes): TraceContext {
  for (;;) {
    const spanId = bytes(8).toString('hex');
    if (validSpanId(spanId)) return { ...parent, spanId };
  }
}

/**
 * A trace derived from a stable key (a trigger's event id): every retry of one event lands in the same
 * trace, which a random id would split.
 */
export function traceFromKey(key: string): TraceContext {
  const digest = createHash('sha256').update(key).digest('hex');
  let traceId = digest.slice(0, 32);
  let spanId = digest.slice(32, 48);
  if (traceId === ZERO_TRACE) traceId = `${traceId.slice(0, 31)}1`;
  if (spanId === ZERO_SPAN) spanId = `${spanId.slice(0, 15)}1`;
  return { traceId, spanId, sampled: true };
}
