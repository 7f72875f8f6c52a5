import { mirrorDocumentId } from '../legacy/mirroredSession';
import { mirrorDocument, type LegacySessionMirror, type MirroredSession } from '../firebase/legacySessionMirror';

/** The legacy sessions/ collection in memory, for fast unit tests of the mirror pass; `fail` makes writes throw. */
export class InMemoryLegacySessionMirror implements LegacySessionMirror {
  readonly documents = new Map<string, Record<string, unknown>>();
  fail: Error | null = null;

  async write(sessions: readonly MirroredSession[]): Promise<void> {
    if (this.fail) throw this.fail;
    for (const s of sessions) this.documents.set(mirrorDocumentId(s.userId, s.sessionId), mirrorDocument(s, (ms) => ms));
  }

  async remove(sessions: readonly Pick<MirroredSession, 'userId' | 'sessionId'>[]): Promise<void> {
    for (const s of sessions) this.documents.delete(mirrorDocumentId(s.userId, s.sessionId));
  }
}
