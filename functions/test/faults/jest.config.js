// The fault suite: `npm run test:faults` (CI runs it after `npm test`, on the same PostgreSQL). It kills
// database backends and publishers on purpose, so it needs a real server (DATABASE_URL) and is never part
// of the default `npm test`.
const path = require('node:path');
const root = require('../../../jest.config.js');

const integration = root.projects.find((p) => p.displayName === 'integration');

if (!process.env.DATABASE_URL) {
  throw new Error('npm run test:faults needs DATABASE_URL (a PostgreSQL server whose backends it may terminate: only its own scratch databases)');
}

module.exports = {
  ...integration,
  rootDir: path.resolve(__dirname, '../../..'),
  displayName: 'faults',
  testMatch: ['<rootDir>/functions/test/faults/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180000,
  // The fault specs are heavy (child processes, killed backends): one file at a time keeps timings honest.
  maxWorkers: 1,
};
