import type { StreakEvent } from '../contract/streakEvent';
import type { PublishContext, StreakPublisher } from './publisher';

/**
 * A publisher for tests and the local stack: records acknowledged events and can be told to
 * fail or hang, so the outbox's recovery paths can be exercised without Pub/Sub.
 */
export class InMemoryPublisher implements StreakPublisher {
  /** Events that were acknowledged, in acknowledgement order. */
  readonly published: StreakEvent[] = [];
  /** Every call to publish, including failed and hung ones. */
  readonly attempts: StreakEvent[] = [];
  /** The traceparent each acknowledged event was sent with (undefined: none), in the order of `published`. */
  readonly traces: Array<string | undefined> = [];
  private failuresLeft = 0;
  private failWith: () => Error = () => new Error('simulated Pub/Sub failure');
  private hangsLeft = 0;
  private readonly hung: Array<(error: Error) => void> = [];

  constructor(private readonly options: { latencyMs?: () => number } = {}) {}

  /** The next `count` publishes reject. */
  failNext(count: number, error: () => Error = () => new Error('simulated Pub/Sub failure')): this {
    this.failuresLeft = count;
    this.failWith = error;
    return this;
  }

  /** The next `count` publishes never settle until `releaseHung` (as a broker that never acks). */
  hangNext(count: number): this {
    this.hangsLeft = count;
    return this;
  }

  /** Rejects every hung publish, so nothing stays pending after a test. */
  releaseHung(): void {
    for (const reject of this.hung.splice(0)) reject(new Error('released hung publish'));
  }

  /** Acknowledged events of one user, in order. */
  publishedFor(userId: string): StreakEvent[] {
    return this.published.filter((e) => e.userId === userId);
  }

  async publish(event: StreakEvent, context: PublishContext = {}): Promise<void> {
    this.attempts.push(event);
    if (this.hangsLeft > 0) {
      this.hangsLeft--;
      return new Promise<void>((_, reject) => this.hung.push(reject));
    }
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw this.failWith();
    }
    const latency = this.options.latencyMs?.() ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    this.published.push(structuredClone(event));
    this.traces.push(context.traceparent);
  }
}
