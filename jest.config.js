/** @type {import('jest').Config} */
const base = {
  // Server suites start a Temporal dev server and bundle workflows; a minute is the floor.
  testTimeout: 120_000,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...base, displayName: 'sandbox', testMatch: ['<rootDir>/packages/es-sandbox/test/**/*.test.ts'] },
    { ...base, displayName: 'fidelity', testMatch: ['<rootDir>/test/fidelity/**/*.test.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...base, displayName: 'replay', testMatch: ['<rootDir>/test/replay/**/*.test.ts'] },
    { ...base, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.test.ts'] },
    // A secured three-node cluster's suites: run by scripts/test-secured.sh, which starts that cluster.
    // The reliability short form runs here, on the production shape, rather than on the single real node.
    {
      ...base,
      displayName: 'secured',
      testMatch: ['<rootDir>/test/secured/**/*.test.ts', '<rootDir>/test/reliability/**/*.test.ts'],
    },
  ],
};
