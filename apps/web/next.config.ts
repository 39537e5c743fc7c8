import type { NextConfig } from 'next';
import { resolve } from 'node:path';

// Production: a static export (apps/web/out) that the server's api role serves on the API's
// own origin, so the session cookie and CSRF header need no cross-origin setup and `npm start`
// runs one process. `next dev` instead proxies /api to a running server (MERIDIAN_API_URL).
const isDev = process.env.NODE_ENV === 'development';

const config: NextConfig = {
  output: isDev ? undefined : 'export',
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm test` typechecks and lints the app (tsc -p apps/web, eslint); the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  turbopack: { root: resolve(__dirname, '../..') },
  images: { unoptimized: true },
  ...(isDev && {
    async rewrites() {
      const api = process.env.MERIDIAN_API_URL ?? 'http://localhost:8080';
      return [{ source: '/api/:path*', destination: `${api}/api/:path*` }];
    },
  }),
};

export default config;
