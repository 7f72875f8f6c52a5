// Refuses to run the emulator suite against anything but emulators: without these hosts the
// Google clients would look for real credentials (DESIGN §8).
for (const name of ['FIRESTORE_EMULATOR_HOST', 'PUBSUB_EMULATOR_HOST']) {
  if (!process.env[name]) throw new Error(`${name} is not set: run this suite with \`npm run test:emulators\``);
}
process.env.GCLOUD_PROJECT = process.env.GCLOUD_PROJECT || 'demo-focus-streaks';
