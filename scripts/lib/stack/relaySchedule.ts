/** The Pub/Sub topic on which the Functions emulator wires a scheduled function. */
export function scheduleTopic(functionName: string, region = 'us-central1'): string {
  return `firebase-schedule-${region}-${functionName}`;
}

/**
 * Cloud Scheduler's part, locally: the Functions emulator wires `onSchedule` functions to a Pub/Sub
 * topic but never fires them, so the local stack publishes a tick itself.
 */
export async function startSchedule(options: { pubsubHost: string; projectId: string; functionName: string; everyMs: number; onError?: (error: Error) => void }) {
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId: options.projectId, apiEndpoint: options.pubsubHost, emulatorMode: true });
  const topic = client.topic(scheduleTopic(options.functionName));
  const tick = () => topic.publishMessage({ json: { source: 'local schedule' } }).catch((error: Error) => options.onError?.(error));
  const timer = setInterval(() => void tick(), options.everyMs);
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await client.close();
    },
  };
}
