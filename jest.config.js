// ESM-only packages (panva's OIDC stack, ora and its helpers, @kubernetes/client-node) are
// transformed to CommonJS by the transform below so that jest's CommonJS runtime on Node 20
// can load them.
const esmOnly = [
  'oidc-provider',
  'openid-client',
  'jose',
  'oauth4webapi',
  'ora',
  'chalk',
  'cli-cursor',
  'cli-spinners',
  'is-interactive',
  'is-unicode-supported',
  'log-symbols',
  'stdin-discarder',
  'string-width',
  'strip-ansi',
  'ansi-regex',
  'get-east-asian-width',
  'emoji-regex',
  'restore-cursor',
  'onetime',
  'mimic-function',
  'signal-exit',
  'nanoid',
  '@kubernetes/client-node',
];

// swc strips types file by file (as ts-jest's isolatedModules did, ~20x faster); types are
// checked by `npm run typecheck`. The options match tsconfig.json's emit.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, tsx: true },
    transform: {
      legacyDecorator: true,
      decoratorMetadata: true,
      useDefineForClassFields: true,
      react: { runtime: 'automatic' },
    },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test,policies}/**/*.(spec|e2e-spec).ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/apps/web/'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'json'],
  transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', swc] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    // The node agent's public entry point (apps/node-agent/src/index.ts), used by the platform.
    '^@nanopod/node-agent$': '<rootDir>/apps/node-agent/src',
    '^@nanopod/([a-z-]+)$': '<rootDir>/libs/$1/src',
  },
  // Builds the apps for child-process tests and migrates the template databases, once.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Longest suites first also in a clean clone: durations of the last full run.
  testSequencer: '<rootDir>/test/support/test-sequencer.js',
  testTimeout: 60000,
  // Two workers for the two cores CI has; suites share nothing (ports 0, own databases, own
  // temp dirs), and `--runInBand` still works for one suite at a time.
  maxWorkers: 2,
  // Keep-alive sockets of fetch() to child processes can outlive a suite; never hang CI on them.
  forceExit: true,
};
