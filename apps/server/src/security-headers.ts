import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/** The CSP of every answer; UI pages add the hashes of their own inline scripts (see web-ui.ts). */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  // No 'unsafe-inline': the static export's inline bootstrap scripts are allowed by their sha256 only.
  scriptSrc: ["'self'"],
  // Next's export and ECharts set style attributes; styles cannot run code.
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
} as const;

/** The Content-Security-Policy header value, with `'sha256-…'` sources for the page's inline scripts. */
export function contentSecurityPolicy(scriptHashes: readonly string[] = []): string {
  const directives: Record<string, readonly string[]> = {
    ...CSP_DIRECTIVES,
    scriptSrc: [...CSP_DIRECTIVES.scriptSrc, ...scriptHashes.map((h) => `'sha256-${h}'`)],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${sources.join(' ')}`)
    .join('; ');
}

/**
 * Security headers on every answer of the HTTP server, UI pages and API alike: no framing
 * (clickjacking), no sniffing, a CSP that allows only this origin and no inline script.
 */
export function applySecurityHeaders(app: INestApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { ...CSP_DIRECTIVES, upgradeInsecureRequests: null } },
      // Plain-HTTP installs (localhost, LANs) must keep working; HSTS belongs to the TLS proxy.
      strictTransportSecurity: false,
      xFrameOptions: { action: 'deny' },
    }),
  );
}
