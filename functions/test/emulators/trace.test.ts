import { LOOPBACK } from '../../../scripts/lib/stack/ports';
import { appClient, eventually, stack, stackLogLines } from './support/stack';

// One accept followed through the emulated functions: a request sent with a traceparent header, as a
// load balancer or a client with tracing sends it, yields lines of acceptFocusSession and of projectStreak
// (after the outbox, the publish and Pub/Sub) under that trace id. The lines are the functions' own, as
// the Functions emulator printed them (the runner keeps them in stackLog).

const traceId = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The structured lines of the emulated functions that carry Cloud Logging's trace field for this trace. */
const linesOfTrace = (id: string) => stackLogLines(`/traces/${id}`);

describe('one trace through the emulators', () => {
  it('an accept sent with a traceparent logs in acceptFocusSession and projectStreak under that trace', async () => {
    const { projectId, ports } = stack();
    const client = appClient();
    try {
      await client.signIn(`trace-${Date.now()}@example.com`);
      const idToken = await client.auth.currentUser!.getIdToken();
      const id = traceId();
      const response = await fetch(`http://${LOOPBACK}:${ports.functions}/${projectId}/us-central1/acceptFocusSession`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}`, traceparent: `00-${id}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ data: { sessionId: `trace-${id.slice(0, 8)}`, startTime: new Date(Date.now() - 50 * 60_000).toISOString(), endTime: new Date(Date.now() - 5 * 60_000).toISOString(), timezone: 'UTC' } }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { result: { accepted: boolean } }).result.accepted).toBe(true);

      // Waits on the projector's line: the last step of the path.
      const lines = await eventually(async () => linesOfTrace(id), (found) => found.some((l) => l.message === 'projection: streak written'), 60_000, `projectStreak's line of trace ${id}`);
      const trace = `projects/${projectId}/traces/${id}`;
      expect(lines.find((l) => l.message === 'callable: session accepted')).toMatchObject({ fn: 'acceptFocusSession', 'logging.googleapis.com/trace': trace });
      const projected = lines.find((l) => l.message === 'projection: streak written')!;
      expect(projected).toMatchObject({ 'logging.googleapis.com/trace': trace, version: 1 });
      expect(projected.lagMs).toEqual(expect.any(Number));
    } finally {
      await client.close();
    }
  });
});
