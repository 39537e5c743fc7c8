import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from './security-headers';

/** Where `scripts/build-web.js` puts the static export of apps/web. */
export const WEB_UI_DIR = resolve(__dirname, '../../web/out');

const IMMUTABLE = 'public, max-age=31536000, immutable';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The exported file for a URL path: `/` → index.html, `/settings/keys` → settings/keys.html,
 * assets as they are. Never leaves `dir` (`..` and encoded tricks resolve outside and are refused).
 */
/** The server's own endpoints: a UI page of the same name must never shadow them (Prometheus scrapes /metrics). */
const SERVER_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

export function webUiFile(dir: string, urlPath: string): string | undefined {
  if (SERVER_PATHS.has(urlPath.replace(/\/+$/, ''))) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const root = resolve(dir);
  const rel = path.replace(/^[/\\]+/, '').replace(/[/\\]+$/, '');
  const candidates = rel === '' ? ['index.html'] : [rel, `${rel}.html`];
  for (const candidate of candidates) {
    const abs = resolve(root, candidate);
    if (!abs.startsWith(root + sep)) return undefined;
    if (isFile(abs)) return abs;
  }
  return undefined;
}

/** An inline `<script>` (no src) and its text; Next's export writes them without nested tags. */
const INLINE_SCRIPT = /<script\b(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi;

/** sha256 (base64) of each inline script of a page, as CSP `'sha256-…'` sources expect. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(INLINE_SCRIPT)) if (m[1].length) hashes.add(createHash('sha256').update(m[1], 'utf8').digest('base64'));
  return [...hashes];
}

/**
 * The CSP of each exported page, computed once from the files at start: each page allows
 * exactly its own inline scripts, so no page needs `'unsafe-inline'` and a rebuilt UI is
 * picked up by the next start.
 */
export function pagePolicies(dir: string): Map<string, string> {
  const policies = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile() && e.name.endsWith('.html')) policies.set(resolve(abs), contentSecurityPolicy(inlineScriptHashes(readFileSync(abs, 'utf8'))));
    }
  };
  walk(resolve(dir));
  return policies;
}

/**
 * Serves the web UI on the API's own origin (so the session cookie and CSRF header need no
 * cross-origin setup). Only GET/HEAD of paths that are UI files; everything else goes on to
 * the API routes. Returns false when the UI has not been built.
 */
export function mountWebUi(app: INestApplication, dir = WEB_UI_DIR): boolean {
  if (!isFile(resolve(dir, 'index.html'))) return false;
  const policies = pagePolicies(dir);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/')) return next();
    const file = webUiFile(dir, req.path);
    if (!file) return next();
    // Hashed build assets never change; pages must be re-read after an upgrade.
    res.setHeader('cache-control', req.path.startsWith('/_next/static/') ? IMMUTABLE : 'no-cache');
    const policy = policies.get(file);
    if (policy) res.setHeader('content-security-policy', policy);
    res.sendFile(file, (err) => err && next(err));
  });
  return true;
}
