import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The closing lines of `npm test` as CI reads them: a real jest run (child process) over a small
 * suite with every kind of skip, through scripts/jest-summary-reporter.js. Every skipped test is
 * listed with its reason before the last line, which is `jest: N passed, N failed, N skipped`.
 */
const ROOT = resolve(__dirname, '..');

function runJest(files: Record<string, string>, config: Record<string, unknown> = {}): { code: number | null; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-summary-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const cfg = {
    rootDir: dir,
    testMatch: ['<rootDir>/*.spec.js'],
    transform: {},
    reporters: ['default', join(ROOT, 'scripts/jest-summary-reporter.js')],
    ...config,
  };
  writeFileSync(join(dir, 'jest.config.json'), JSON.stringify(cfg));
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', join(dir, 'jest.config.json'), '--ci'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    timeout: 60_000,
  });
  // The reporter writes to stdout; jest's own report goes to stderr.
  return { code: run.status, lines: run.stdout.trim().split('\n') };
}

describe('the closing lines of a test run', () => {
  it('lists every skipped test with its reason, then the summary line last', () => {
    const { code, lines } = runJest({
      'a.spec.js': `
        it('passes', () => expect(1).toBe(1));
        it('fails', () => expect(1).toBe(2));
        it.skip('is skipped without a reason', () => undefined);
        it.todo('is not written yet');
        describe.skip('needs a widget [skipped: no widget on this machine]', () => {
          it('uses the widget', () => undefined);
          describe('deeper', () => it('uses it twice', () => undefined));
        });
      `,
    });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'skipped: a.spec.js › is skipped without a reason — no reason given (use describeOrSkip from @meridian/testing)',
      'skipped: a.spec.js › is not written yet — todo: not written yet',
      'skipped: a.spec.js › needs a widget › uses the widget — no widget on this machine',
      'skipped: a.spec.js › needs a widget › deeper › uses it twice — no widget on this machine',
      'jest: 1 passed, 1 failed, 4 skipped',
    ]);
    // What CI reads: one word and a colon at most before "N passed, N failed, N skipped".
    expect(lines.at(-1)).toMatch(/^(\w+: )?\d+ passed, \d+ failed, \d+ skipped$/);
  }, 90_000);

  it('names a local server that stayed down when tests failed, and one that the run started', () => {
    const { lines } = runJest(
      {
        'b.spec.js': `it('needs PostgreSQL', () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); });`,
        // What libs/testing/src/local-services.ts leaves for the reporter.
        'setup.js': `module.exports = () => { globalThis[Symbol.for('meridian.test.localServices')] = [
          { name: 'PostgreSQL', problem: 'PostgreSQL is not reachable at postgres://postgres@127.0.0.1:5432/test (ECONNREFUSED).' },
          { name: 'MariaDB', started: 'MariaDB was down; started with \`start-stop-daemon\` (answering after 1.0 s)' },
        ]; };`,
      },
      { globalSetup: '<rootDir>/setup.js' },
    );
    expect(lines).toEqual([
      'services: PostgreSQL is not reachable at postgres://postgres@127.0.0.1:5432/test (ECONNREFUSED).',
      'services: MariaDB was down; started with `start-stop-daemon` (answering after 1.0 s)',
      'jest: 0 passed, 1 failed, 0 skipped',
    ]);
  }, 90_000);
});
