import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';

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
export function webUiFile(dir: string, urlPath: string): string | undefined {
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

/**
 * Serves the web UI on the API's own origin (so the session cookie and CSRF header need no
 * cross-origin setup). Only GET/HEAD of paths that are UI files; everything else goes on to
 * the API routes. Returns false when the UI has not been built.
 */
export function mountWebUi(app: INestApplication, dir = WEB_UI_DIR): boolean {
  if (!isFile(resolve(dir, 'index.html'))) return false;
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/')) return next();
    const file = webUiFile(dir, req.path);
    if (!file) return next();
    // Hashed build assets never change; pages must be re-read after an upgrade.
    res.setHeader('cache-control', req.path.startsWith('/_next/static/') ? IMMUTABLE : 'no-cache');
    res.sendFile(file, (err) => err && next(err));
  });
  return true;
}
