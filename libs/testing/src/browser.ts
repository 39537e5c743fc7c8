import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const REPO = resolve(__dirname, '../../..');

/** Where browser tests leave screenshots (gitignored tmp/; CI keeps the work tree). */
export const ARTIFACTS_DIR = join(REPO, 'tmp/e2e-artifacts');

/**
 * Builds the web UI (apps/web/out) if its sources changed; the server then serves it on the API
 * port. The first build takes ~15–60 s on 2 cores.
 */
export function buildWebUi(): void {
  execFileSync(process.execPath, [join(REPO, 'scripts/build-web.js')], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * Debian's headless Chromium driven by playwright-core (installed by scripts/ensure-chromium.sh
 * when missing; Playwright cannot download browsers here).
 */
export async function launchBrowser(): Promise<Browser> {
  execFileSync('bash', [join(REPO, 'scripts/ensure-chromium.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // No network but loopback here: background services would only fail and slow things down.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // (Playwright gives each launch its own fresh profile directory.)
  });
}
