// `npm run test:fast`: the edit loop. Unit and in-process suites only (no platform boots, no
// sandboxes, no child processes); `npm test` runs everything.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/{apps,libs,test,policies}/**/*.spec.ts'],
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    // Real sandboxes or child processes:
    '<rootDir>/apps/node-agent/test/(agent-program|bwrap-.*|sandbox-manager|work-dir-files)\\.spec\\.ts$',
    '<rootDir>/apps/cli/test/(cli-conventions|generated-client)\\.spec\\.ts$',
    '<rootDir>/test/web/',
    '<rootDir>/test/lint/boundaries\\.spec\\.ts$',
    // Boots a platform:
    '<rootDir>/apps/platform/test/',
  ],
};
