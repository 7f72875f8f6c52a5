import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Reject } from '../../../functions/src/legacy';

/** Rejected documents as NDJSON ({path, reason, detail, raw}), appended so a resumed run adds to it. */
export class RejectsFile {
  private readonly stream: WriteStream;
  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { flags: 'a' });
  }

  async write(rejects: readonly Reject[]): Promise<void> {
    if (rejects.length === 0) return;
    const text = rejects.map((r) => JSON.stringify({ path: r.path, reason: r.reason, detail: r.detail, raw: r.raw })).join('\n') + '\n';
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
