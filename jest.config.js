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
