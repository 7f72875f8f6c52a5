import { logger } from 'firebase-functions/logger';
import { traced } from '../observability/traceContext';

// Catalogue of the database module's log lines: one name per event, one fixed message starting
// "database:", structured fields. Never a password: `target` is the redacted description.
export const logs = {
  connectionChosen(f: { via: 'DATABASE_URL' | 'Cloud SQL connector (IAM)'; target: string; ignored?: string }): void {
    logger.info(`database: connecting through ${f.via}`, traced(f));
  },
};
