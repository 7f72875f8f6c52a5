// One jest run over the whole repo. Domain specs run three times, under three process time
// zones, because their results must not depend on the server's own zone.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }];
// slonik requires p-limit, which ships only as ESM; Node 20.19+ loads it natively, jest 30 on Node 20 does not.
const esmOnlyDependencies = ['p-limit', 'yocto-queue'];

const base = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': tsJest,
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(.*/node_modules/)?(${esmOnlyDependencies.join('|')})/)`],
  setupFiles: ['<rootDir>/functions/test/support/guardNetwork.js'],
};

const domainUnderZone = (zone) => ({
  ...base,
  displayName: `domain TZ=${zone}`,
  testMatch: ['<rootDir>/functions/test/domain/**/*.test.ts'],
  setupFiles: [...base.setupFiles, `<rootDir>/functions/test/support/tz/${zone.replace('/', '_')}.js`],
});

module.exports = {
  testTimeout: 30000,
  // Most specs wait on PostgreSQL or a child process, not the CPU: one worker per core keeps both busy.
  maxWorkers: '100%',
  projects: [
    domainUnderZone('UTC'),
    domainUnderZone('America/Santiago'),
    domainUnderZone('Asia/Kathmandu'),
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/functions/test/**/*.test.ts', '<rootDir>/scripts/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/functions/test/domain/', '<rootDir>/functions/test/emulators/', '<rootDir>/functions/test/faults/'],
    },
  ],
};
