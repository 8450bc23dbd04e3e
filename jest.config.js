// Tests run in layers (see README "Testing"): unit -> infra -> workflow -> e2e.
// ts-jest transpiles only (isolatedModules); `npm run build` does the type-check.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const common = {
  testEnvironment: 'node',
  transform,
  setupFiles: ['<rootDir>/tests/support/setup-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Two workers even on a 2-core machine (jest's default there is one): the suites spend much of their time
  // waiting on child processes and sockets, and the whole run took 971 s with one worker, 322 s with two.
  maxWorkers: 2,
  // The slow layers first when jest has no timings of its own (a clean clone): see the file.
  testSequencer: '<rootDir>/tests/support/slowest-first-sequencer.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/tests/infra/**/*.test.ts'] },
    { ...common, displayName: 'workflow', testMatch: ['<rootDir>/tests/workflow/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      // The CLI tests spawn what ships (dist/cli.js): built first from the source under test.
      globalSetup: '<rootDir>/tests/support/build-cli.js',
    },
  ],
};
