import 'reflect-metadata';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySecurityHeaders } from './security-headers';
import { inlineScriptHashes, mountWebUi, webUiFile } from './web-ui';

const BOOT = 'self.boot = 1';
const PUSH = 'self.__next_f.push([1,"x"])';
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64');

function exportDir(): string {
  const base = mkdtempSync(join(tmpdir(), 'meridian-webui-'));
  writeFileSync(join(base, 'secret.txt'), 'outside the UI');
  const dir = join(base, 'out');
  mkdirSync(join(dir, 'settings'), { recursive: true });
  mkdirSync(join(dir, '_next/static/chunks'), { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    `<p>home</p><script id="_R_">${BOOT}</script><script src="/_next/static/chunks/app.js" async=""></script><script>${PUSH}</script>`,
  );
  writeFileSync(join(dir, 'settings.html'), '<p>settings</p>');
  writeFileSync(join(dir, 'settings/keys.html'), '<p>keys</p>');
  writeFileSync(join(dir, 'metrics.html'), '<p>a page named like the scrape endpoint</p>');
  writeFileSync(join(dir, '_next/static/chunks/app.js'), 'console.log(1)');
  return dir;
}

@Controller()
class ProbeController {
  @Get('/api/v1/probe')
  probe() {
    return { api: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('web UI serving', () => {
  const dir = exportDir();

  it('maps page URLs to exported files and never leaves the export directory', () => {
    expect(webUiFile(dir, '/')).toBe(join(dir, 'index.html'));
    expect(webUiFile(dir, '/settings')).toBe(join(dir, 'settings.html'));
    expect(webUiFile(dir, '/settings/keys')).toBe(join(dir, 'settings/keys.html'));
    expect(webUiFile(dir, '/settings/keys/')).toBe(join(dir, 'settings/keys.html'));
    expect(webUiFile(dir, '/_next/static/chunks/app.js')).toBe(join(dir, '_next/static/chunks/app.js'));
    expect(webUiFile(dir, '/nope')).toBeUndefined();
    // The server's own endpoints stay the server's, whatever the export holds.
    expect(webUiFile(dir, '/metrics')).toBeUndefined();
    expect(webUiFile(dir, '/metrics/')).toBeUndefined();
    expect(webUiFile(dir, '/healthz')).toBeUndefined();
    expect(webUiFile(dir, '/../secret.txt')).toBeUndefined();
    expect(webUiFile(dir, '/%2e%2e/secret.txt')).toBeUndefined();
    expect(webUiFile(dir, '/%2e%2e%2fsecret.txt')).toBeUndefined();
    expect(webUiFile(dir, '/%E0%A4%A')).toBeUndefined();
  });

  describe('on a running server', () => {
    let app: INestApplication;
    let base: string;
    beforeAll(async () => {
      app = await NestFactory.create(ProbeModule, { logger: false });
      applySecurityHeaders(app);
      expect(mountWebUi(app, dir)).toBe(true);
      await app.listen(0, '127.0.0.1');
      base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    });
    afterAll(() => app.close());

    it('serves pages and assets with cache headers, and leaves the API alone', async () => {
      const page = await fetch(`${base}/settings/keys?tenant=acme`);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(page.headers.get('strict-transport-security')).toBeNull();
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(await page.text()).toBe('<p>keys</p>');

      const asset = await fetch(`${base}/_next/static/chunks/app.js`);
      expect(asset.headers.get('cache-control')).toContain('immutable');

      const api = await fetch(`${base}/api/v1/probe`);
      expect(await api.json()).toEqual({ api: true });
      expect(api.headers.get('x-frame-options')).toBe('DENY');
      expect((await fetch(`${base}/settings`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${base}/missing-page`)).status).toBe(404);
    });

    it("allows a page's own inline scripts by hash, and no inline script anywhere else ('unsafe-inline' is gone)", async () => {
      const home = (await fetch(`${base}/`)).headers.get('content-security-policy') ?? '';
      expect(home).toMatch(/^default-src 'self'/);
      const scriptSrc = /script-src ([^;]*)/.exec(home)?.[1].split(' ');
      expect(scriptSrc?.sort()).toEqual(["'self'", `'sha256-${sha256(BOOT)}'`, `'sha256-${sha256(PUSH)}'`].sort());
      for (const url of ['/settings/keys', '/api/v1/probe', '/_next/static/chunks/app.js']) {
        const csp = (await fetch(`${base}${url}`)).headers.get('content-security-policy') ?? '';
        expect(/script-src ([^;]*)/.exec(csp)?.[1]).toBe("'self'");
      }
      expect(inlineScriptHashes(`<script>${BOOT}</script><script src="/a.js"></script><script type="module">${PUSH}</script>`)).toEqual([
        sha256(BOOT),
        sha256(PUSH),
      ]);
    });

    it('reports an unbuilt UI instead of serving nothing silently', () => {
      expect(mountWebUi(app, join(dir, 'does-not-exist'))).toBe(false);
    });
  });
});
