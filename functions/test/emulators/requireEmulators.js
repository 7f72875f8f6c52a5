// Refuses to run the emulator suite against anything but emulators: without these hosts the Google
// clients would look for real credentials, and that lookup probes an address outside this machine.
for (const name of ['EMULATOR_STACK', 'FIRESTORE_EMULATOR_HOST', 'PUBSUB_EMULATOR_HOST', 'FIREBASE_AUTH_EMULATOR_HOST']) {
  if (!process.env[name]) throw new Error(`${name} is not set: run this suite with \`npm run test:emulators\``);
}
