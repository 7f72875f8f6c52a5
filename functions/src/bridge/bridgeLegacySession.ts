import { onDocumentCreated } from 'firebase-functions/firestore';
import { params } from '../config';
import { handleLegacySession } from './handleLegacySession';

/** Legacy app builds still write sessions/{id}: each goes through the same accept path (source 'bridge'). */
export const bridgeLegacySession = onDocumentCreated(
  { document: 'sessions/{sessionId}', region: params.region, retry: true, timeoutSeconds: 60 },
  async (event) => {
    await handleLegacySession(event);
  },
);
