/**
 * `npm run build` output runs on its own with production dependencies only, as in the server
 * image: it is built into a temporary directory, given the locked non-dev packages (what
 * `npm ci --omit=dev` installs there, linked from this checkout), started with `start --roles=all`,
 * and must answer ready, serve the web UI and store an OTLP span. A dev-only import in production
 * code, a path alias left unresolved or a file the server loads by path missing fails here.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ApiClient, startMeridian, type MeridianProcess } from '@meridian/testing';

const REPO = resolve(__dirname, '..');

/** Links the lock's hoisted production packages into `dir`/node_modules, as `npm ci --omit=dev` would install them. */
function linkProductionPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  const linked: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    // Other platforms' optional packages are not installed here; workspace links are not needed (aliases are compiled away).
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) || entry.dev || entry.link || !existsSync(join(REPO, key))) continue;
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    symlinkSync(join(REPO, key), join(dir, key));
    linked.push(key.slice('node_modules/'.length));
  }
  return linked;
}

describe('production build (npm run build)', () => {
  const out = mkdtempSync(join(tmpdir(), 'meridian-build-'));
  let server: MeridianProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    rmSync(out, { recursive: true, force: true });
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('builds JavaScript only, and production packages leave out the compilers and test-only packages', () => {
    execFileSync(process.execPath, [join(REPO, 'scripts/build.js'), out], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
    const files = readdirSync(out, { recursive: true, encoding: 'utf8' });
    expect(files).toContain(join('apps', 'server', 'src', 'main.js'));
    expect(files).toContain(join('apps', 'web', 'out', 'index.html'));
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const packages = linkProductionPackages(out);
    expect(packages).toContain('@nestjs/core');
    for (const devOnly of ['typescript', '@swc/core', '@swc-node/register', 'smtp-server', 'playwright-core', 'next']) expect(packages).not.toContain(devOnly);
  }, 200_000);

  it('starts all roles from the built JavaScript, serves the UI and stores a span', async () => {
    server = await startMeridian({ built: out, timeoutMs: 120_000 });
    expect((await fetch(`http://127.0.0.1:${server.ports.api}/readyz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${server.ports.api}/`)).text()).toMatch(/<html/i);

    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = {
      traceId,
      spanId: randomBytes(8).toString('hex'),
      name: 'GET /built',
      kind: 2,
      startTimeUnixNano: String(now - 1_000_000n),
      endTimeUnixNano: String(now),
    };
    const body = {
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'production-build-e2e' } }] }, scopeSpans: [{ spans: [span] }] }],
    };
    const posted = await fetch(`http://127.0.0.1:${server.ports.http}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.ingestKey}` },
      body: JSON.stringify(body),
    });
    expect(posted.status).toBe(200);

    const api = new ApiClient(server.ports.api, server.apiKey);
    const deadline = Date.now() + 20_000;
    let trace = await api.get<{ spans: Array<{ spanName: string }> }>(`/traces/${traceId}`);
    while (trace.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      trace = await api.get<{ spans: Array<{ spanName: string }> }>(`/traces/${traceId}`);
    }
    expect(trace.status).toBe(200);
    expect(trace.body.spans.map((s) => s.spanName)).toEqual(['GET /built']);
  }, 180_000);
});
