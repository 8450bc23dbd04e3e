// Tests run in layers (see README "Testing"): unit -> infra -> workflow -> e2e.
// swc transpiles only (the code is written for isolatedModules); `npm run build` does the type-check. It
// replaced ts-jest, whose TypeScript transpiler cost about 20 s of CPU per cold layer on this machine.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  setupFiles: ['<rootDir>/tests/support/setup-env.ts'], setupFilesAfterEnv: ['/tmp/cpuprof/setup.js'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Three workers on a 2-core machine (jest's default there is one): the suites spend much of their time
  // waiting on child processes, sockets and the one real-time e2e run, so a third worker fills the cores
  // while another waits. Measured on this machine (clean cache): 971 s with one, 385 s with two, 314 s with
  // three; the CPU the whole suite needs (about 570 s over 2 cores) is the floor.
  maxWorkers: 3,
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
