// One jest run for the whole repo: unit/integration specs beside the code (libs/**, apps/**)
// and cross-process tests in e2e/. Path aliases come from tsconfig.json so there is one map.
const fs = require('node:fs');
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.json');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = `<rootDir>/${target}`;
}

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/apps/web/**/*.spec.tsx', '<rootDir>/e2e/**/*.e2e.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcrc, sourceMaps: 'inline' }],
    '/node_modules/@nestjs/passport/.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // Web UI components (React 19 automatic JSX runtime).
    '^.+\\.tsx$': [
      '@swc/jest',
      {
        ...swcrc,
        jsc: { ...swcrc.jsc, parser: { syntax: 'typescript', tsx: true }, transform: { ...swcrc.jsc.transform, react: { runtime: 'automatic' } } },
        sourceMaps: 'inline',
      },
    ],
  },
  // @nestjs/passport 12 ships ESM only: Node's own require(esm) loads it for the server, jest's
  // module system cannot, so jest compiles it to CommonJS like our sources.
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/passport/)'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/web/.next/', '<rootDir>/apps/web/out/'],
  moduleNameMapper,
  testTimeout: 60_000,
  maxWorkers: 2,
  // Starts a stopped local PostgreSQL/MariaDB once per run; suites that need one fail (never skip) when it stays down.
  globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.ts',
  // The closing lines: every skipped test with its reason, then `jest: N passed, N failed, N skipped`.
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
