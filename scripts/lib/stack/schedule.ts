import { LOOPBACK } from './ports';

/**
 * Cloud Scheduler's part, locally: the Functions emulator serves `onSchedule` functions but never
 * fires them, so the local stack calls each one as Cloud Scheduler would, on the emulator's trigger URL.
 */
export function startSchedule(options: { functionsPort: number; projectId: string; functionName: string; everyMs: number; region?: string; onError?: (error: Error) => void }) {
  // The emulator keys event-style triggers, scheduled ones included, as <region>-<name>-0.
  const url = `http://${LOOPBACK}:${options.functionsPort}/functions/projects/${options.projectId}/triggers/${options.region ?? 'us-central1'}-${options.functionName}-0`;
  const tick = async () => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'X-CloudScheduler-JobName': `local-${options.functionName}`, 'X-CloudScheduler-ScheduleTime': new Date().toISOString() },
        signal: AbortSignal.timeout(options.everyMs),
      });
      if (!response.ok) throw new Error(`${options.functionName} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    } catch (error) {
      options.onError?.(error as Error);
    }
  };
  const timer = setInterval(() => void tick(), options.everyMs);
  return {
    tick,
    async stop() {
      clearInterval(timer);
    },
  };
}
