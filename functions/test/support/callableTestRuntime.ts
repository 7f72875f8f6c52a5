import { readConfig } from '../../src/config';
import { InMemoryPublisher } from '../../src/outbox/InMemoryPublisher';
import { setRuntime, type Runtime } from '../../src/runtime';
import type { TestDatabase } from './testDatabase';

/** Points the handlers at a test database, an in-memory publisher and a fixed clock. */
export function useTestRuntime(db: TestDatabase, nowIso: string): Runtime & { publisher: InMemoryPublisher; setNow(iso: string): void } {
  let nowMs = Date.parse(nowIso);
  const runtime = {
    config: readConfig({ ...process.env, PUBLISH_TIMEOUT_MS: '200' }),
    db,
    publisher: new InMemoryPublisher(),
    now: () => nowMs,
    setNow: (iso: string) => {
      nowMs = Date.parse(iso);
    },
  };
  setRuntime(runtime);
  return runtime;
}
