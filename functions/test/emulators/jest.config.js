// The emulator suite: run by `npm run test:emulators` (run.ts), which starts the emulators and
// passes their addresses in the environment. Never part of the default `npm test`.
const path = require('node:path');
const root = require('../../../jest.config.js');

const integration = root.projects.find((p) => p.displayName === 'integration');

module.exports = {
  ...integration,
  rootDir: path.resolve(__dirname, '../../..'),
  displayName: 'emulators',
  testMatch: ['<rootDir>/functions/test/emulators/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  setupFiles: [...integration.setupFiles, '<rootDir>/functions/test/emulators/requireEmulators.js'],
  setupFilesAfterEnv: ['<rootDir>/functions/test/emulators/releaseStreamListeners.js'],
  testTimeout: 60000,
  testSequencer: '<rootDir>/functions/test/emulators/sequencer.js',
};
