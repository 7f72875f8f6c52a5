import type { Firestore, Timestamp, WriteBatch } from 'firebase-admin/firestore';
import type { Config } from '../config';
import { MIRROR_MARKER, mirrorDocumentId } from '../legacy/mirroredSession';

/** A callable session as the legacy backend reads sessions/{id}: its owner, times and zone. */
export interface MirroredSession {
  userId: string;
  sessionId: string;
  startMs: number;
  endMs: number;
  timeZone: string;
}

/** Legacy Firestore sessions/, as the reverse mirror writes it. */
export interface LegacySessionMirror {
  /** Writes each session's document (sessions/{mirrorDocumentId}), replacing what is there: a retry writes the same. */
  write(sessions: readonly MirroredSession[]): Promise<void>;
  /** Deletes the mirrors of these sessions (written for sessions a deletion removed meanwhile). */
  remove(sessions: readonly Pick<MirroredSession, 'userId' | 'sessionId'>[]): Promise<void>;
}

/** The legacy shape (userId, startTime and endTime as Timestamps, timezone) and the server's marker. */
export function mirrorDocument(session: MirroredSession, toTimestamp: (ms: number) => unknown): Record<string, unknown> {
  return { userId: session.userId, startTime: toTimestamp(session.startMs), endTime: toTimestamp(session.endMs), timezone: session.timeZone, [MIRROR_MARKER]: true };
}

/** Documents per batch: a Firestore batch takes 500 writes. */
const BATCH = 400;

export function firestoreLegacySessionMirror(firestore: Firestore, toTimestamp: (ms: number) => Timestamp): LegacySessionMirror {
  const ref = (s: Pick<MirroredSession, 'userId' | 'sessionId'>) => firestore.collection('sessions').doc(mirrorDocumentId(s.userId, s.sessionId));
  const inBatches = async <T>(items: readonly T[], add: (batch: WriteBatch, item: T) => void) => {
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = firestore.batch();
      for (const item of items.slice(i, i + BATCH)) add(batch, item);
      await batch.commit();
    }
  };
  return {
    write: (sessions) => inBatches(sessions, (batch, s) => batch.set(ref(s), mirrorDocument(s, toTimestamp))),
    remove: (sessions) => inBatches(sessions, (batch, s) => batch.delete(ref(s))),
  };
}

/** The production mirror, built only where Firestore may be reached (else FirestoreNotConfiguredError). */
export async function createLegacySessionMirror(config: Config): Promise<LegacySessionMirror> {
  const [{ adminFirestore }, { Timestamp }] = await Promise.all([import('./firestore'), import('firebase-admin/firestore')]);
  return firestoreLegacySessionMirror(await adminFirestore(config), (ms) => Timestamp.fromMillis(ms));
}
