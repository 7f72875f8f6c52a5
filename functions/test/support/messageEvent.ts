import { streakEventAttributes, type StreakEvent } from '../../src/contract/streakEvent';
import type { StreakMessageEvent } from '../../src/projection/handleStreakMessage';

let counter = 0;

/** A CloudEvent as Eventarc delivers a Pub/Sub message: base64 JSON data, string attributes. */
export function messageEvent(data: unknown, options: { time?: string; attributes?: Record<string, string> } = {}): StreakMessageEvent {
  const json = typeof data === 'string' ? data : JSON.stringify(data);
  return {
    time: options.time ?? new Date().toISOString(),
    data: {
      message: {
        messageId: `m-${++counter}`,
        data: Buffer.from(json, 'utf8').toString('base64'),
        attributes: options.attributes ?? (isEvent(data) ? streakEventAttributes(data) : {}),
      },
    },
  };
}

function isEvent(data: unknown): data is StreakEvent {
  return typeof data === 'object' && data !== null && 'userId' in data && 'version' in data;
}
