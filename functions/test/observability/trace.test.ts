import fc from 'fast-check';
import {
  childSpan, formatCloudTraceContext, formatTraceparent, newTrace, parseCloudTraceContext, parseTraceparent,
  traceFromHeaders, traceFromKey, traceLogFields, type TraceContext,
} from '../../src/observability/trace';
import { currentTraceparent, runWithTrace, traceFields } from '../../src/observability/traceContext';

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const traceContext: fc.Arbitrary<TraceContext> = fc.record({
  traceId: hex(32).filter((id) => /[1-9a-f]/.test(id)),
  spanId: hex(16).filter((id) => /[1-9a-f]/.test(id)),
  sampled: fc.boolean(),
});

describe('traceparent', () => {
  it('round-trips every valid context', () => {
    fc.assert(fc.property(traceContext, (trace) => {
      expect(parseTraceparent(formatTraceparent(trace))).toEqual(trace);
    }));
  });

  it('reads the example of the W3C recommendation', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true,
    });
  });

  it.each([
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['version 00 with more fields', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'],
    ['no flags', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['empty', ''],
  ])('refuses %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it('accepts nothing that is not exactly version-traceid-spanid-flags with non-zero ids', () => {
    const wellFormed = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$/;
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef-') , maxLength: 60 })), (header) => {
      const parsed = parseTraceparent(header);
      if (parsed === null) return;
      expect(header.trim()).toMatch(wellFormed);
      expect(parsed.traceId).not.toBe('0'.repeat(32));
      expect(parsed.spanId).not.toBe('0'.repeat(16));
    }));
  });

  it('never accepts a valid header with one character changed to a non-hex one', () => {
    fc.assert(fc.property(traceContext, fc.nat(), fc.constantFrom(...'gxz G/;'), (trace, at, bad) => {
      const header = formatTraceparent(trace);
      const i = at % header.length;
      if (header[i] === '-') return;
      expect(parseTraceparent(header.slice(0, i) + bad + header.slice(i + 1))).toBeNull();
    }));
  });
});

describe('X-Cloud-Trace-Context', () => {
  it('round-trips every valid context (the span in decimal)', () => {
    fc.assert(fc.property(traceContext, (trace) => {
      expect(parseCloudTraceContext(formatCloudTraceContext(trace))).toEqual(trace);
    }));
  });

  it('reads the documented form', () => {
    expect(parseCloudTraceContext('105445aa7843bc8bf206b12000100000/1;o=1')).toEqual({
      traceId: '105445aa7843bc8bf206b12000100000', spanId: '0000000000000001', sampled: true,
    });
    expect(parseCloudTraceContext('105445aa7843bc8bf206b12000100000/18446744073709551615')?.spanId).toBe('ffffffffffffffff');
  });

  it.each([
    ['span 0', '105445aa7843bc8bf206b12000100000/0;o=1'],
    ['span beyond 64 bits', '105445aa7843bc8bf206b12000100000/18446744073709551616;o=1'],
    ['all-zero trace', '00000000000000000000000000000000/1;o=1'],
    ['hex span', '105445aa7843bc8bf206b12000100000/abc;o=1'],
    ['o=2', '105445aa7843bc8bf206b12000100000/1;o=2'],
    ['no span', '105445aa7843bc8bf206b12000100000'],
  ])('refuses %s', (_name, header) => {
    expect(parseCloudTraceContext(header)).toBeNull();
  });

  it('accepts nothing but TRACE/SPAN[;o=0|1] with a 64-bit non-zero span', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef/;o='), maxLength: 60 })), (header) => {
      const parsed = parseCloudTraceContext(header);
      if (parsed === null) return;
      expect(header.trim()).toMatch(/^[0-9a-fA-F]{32}\/\d+(;o=[01])?$/);
      expect(BigInt(`0x${parsed.spanId}`)).toBeGreaterThan(0n);
    }));
  });
});

describe('trace ids', () => {
  it('prefers traceparent over X-Cloud-Trace-Context, and a malformed header over none is no trace', () => {
    const w3c = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(traceFromHeaders({ traceparent: w3c, 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' })?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceFromHeaders({ traceparent: 'garbage', 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' })?.traceId).toBe('105445aa7843bc8bf206b12000100000');
    expect(traceFromHeaders({ traceparent: 'garbage' })).toBeNull();
    expect(traceFromHeaders(undefined)).toBeNull();
  });

  it('generates valid, distinct ids, even from a generator that returns zeros first', () => {
    const a = newTrace();
    expect(parseTraceparent(formatTraceparent(a))).toEqual(a);
    expect(newTrace().traceId).not.toBe(a.traceId);
    let calls = 0;
    const zerosFirst = (n: number) => (calls++ < 2 ? Buffer.alloc(n) : Buffer.alloc(n, 7));
    expect(parseTraceparent(formatTraceparent(newTrace(zerosFirst)))).not.toBeNull();
    const child = childSpan(a);
    expect(child.traceId).toBe(a.traceId);
    expect(child.spanId).not.toBe(a.spanId);
  });

  it('derives the same valid trace from the same key, and different ones from different keys', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (k1, k2) => {
      const t = traceFromKey(k1);
      expect(traceFromKey(k1)).toEqual(t);
      expect(parseTraceparent(formatTraceparent(t))).toEqual(t);
      if (k1 !== k2) expect(traceFromKey(k2).traceId).not.toBe(t.traceId);
    }));
  });
});

describe('log fields', () => {
  const trace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true };

  it("names the trace in the project's form Cloud Logging groups by", () => {
    expect(traceLogFields(trace, 'my-project')).toEqual({
      'logging.googleapis.com/trace': 'projects/my-project/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('are those of the current trace inside runWithTrace and none outside', async () => {
    const previous = process.env.GCLOUD_PROJECT;
    process.env.GCLOUD_PROJECT = 'demo-trace';
    try {
      expect(traceFields()).toEqual({});
      const inside = await runWithTrace(trace, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return { fields: traceFields(), header: currentTraceparent() };
      });
      expect(inside.fields['logging.googleapis.com/trace']).toBe('projects/demo-trace/traces/4bf92f3577b34da6a3ce929d0e0e4736');
      expect(inside.header).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      expect(currentTraceparent()).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.GCLOUD_PROJECT;
      else process.env.GCLOUD_PROJECT = previous;
    }
  });
});
