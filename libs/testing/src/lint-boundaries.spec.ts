/**
 * The lint rules that keep the import graph layered do fail lint: small in-memory files, linted
 * as if they lived inside a lib, each breaking (or keeping) one rule of eslint.config.mjs.
 *
 * ESLint runs in a child node process: it loads its flat config with a dynamic import(), which
 * the jest module sandbox does not support.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');

interface Fixture {
  /** Where the file would live: decides its Nx project (tags) and which config blocks apply. */
  filePath: string;
  code: string;
}

/** Lints each fixture with the repo's eslint.config.mjs; returns the rule ids of its errors. */
function lintErrors(fixtures: Fixture[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const fixtures = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    (async () => {
      // The boundaries rule reads Nx's cached project graph and skips itself without one (a run
      // of jest before any nx command): build it first.
      await require('@nx/devkit').createProjectGraphAsync({ exitOnError: false });
      const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: 'eslint.config.mjs' });
      const out = [];
      for (const f of fixtures) {
        const [result] = await eslint.lintText(f.code, { filePath: f.filePath });
        out.push(result.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const stdout = execFileSync(process.execPath, ['-e', script], { cwd: REPO, input: JSON.stringify(fixtures), encoding: 'utf8' });
  return JSON.parse(stdout) as string[][];
}

describe('lint boundaries (eslint.config.mjs)', () => {
  const importTestHelpers = "import { openTestClickHouse } from '@meridian/storage-clickhouse/testing';\nexport const open = openTestClickHouse;\n";
  let errors: string[][];

  beforeAll(() => {
    errors = lintErrors([
      // libs/storage-clickhouse is type:data-access, libs/ingester type:feature: an arrow pointing up.
      {
        filePath: 'libs/storage-clickhouse/src/lint-fixture.ts',
        code: "import { IngesterModule } from '@meridian/ingester';\nexport const m = IngesterModule;\n",
      },
      // Production code of a feature lib loading a lib's test helpers.
      { filePath: 'libs/read-api/src/lint-fixture.ts', code: importTestHelpers },
      // The same import in a spec of that lib, and in an e2e test.
      { filePath: 'libs/read-api/src/lint-fixture.spec.ts', code: importTestHelpers },
      { filePath: 'e2e/lint-fixture.e2e.ts', code: importTestHelpers },
    ]);
  }, 120_000);

  it('a type:data-access lib importing a type:feature lib is an @nx/enforce-module-boundaries error', () => {
    expect(errors[0]).toEqual(['@nx/enforce-module-boundaries']);
  });

  it('production code importing @meridian/<lib>/testing is an error', () => {
    expect(errors[1]).toEqual(['no-restricted-imports']);
  });

  it('specs and e2e tests may import @meridian/<lib>/testing', () => {
    expect(errors[2]).toEqual([]);
    expect(errors[3]).toEqual([]);
  });
});
