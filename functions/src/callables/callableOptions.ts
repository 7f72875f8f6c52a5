import type { CallableOptions } from 'firebase-functions/https';
import { params } from '../config';

/** Options shared by every callable, bound to params so each deployment sets them without code changes. */
export const callableOptions: CallableOptions = {
  region: params.region,
  enforceAppCheck: params.enforceAppCheck,
  memory: params.memoryMb,
  concurrency: params.concurrency,
  maxInstances: params.maxInstances,
  timeoutSeconds: 30,
};
