import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/**
 * Security headers on every answer of the HTTP server, UI pages and API alike: no framing
 * (clickjacking), no sniffing, a CSP that allows only this origin (Next's static export needs
 * inline bootstrap scripts and styles).
 */
export function applySecurityHeaders(app: INestApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          upgradeInsecureRequests: null,
        },
      },
      // Plain-HTTP installs (localhost, LANs) must keep working; HSTS belongs to the TLS proxy.
      strictTransportSecurity: false,
      xFrameOptions: { action: 'deny' },
    }),
  );
}
