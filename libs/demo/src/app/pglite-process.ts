/**
 * Entry point of the fallback database process: PGlite (PostgreSQL in WebAssembly) behind its
 * PostgreSQL wire-protocol socket, for machines without a local PostgreSQL server. Its own
 * process because PGlite runs queries synchronously on the thread that hosts it.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export type PgliteChildMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string };

async function start(): Promise<void> {
  const db = await PGlite.create();
  // PGlite serves one backend: the socket queues other connections' queries (and whole
  // transactions), which is how the demo's lock waits look on it.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  process.send?.({ type: 'ready', port } satisfies PgliteChildMessage);
  process.on('disconnect', () => {
    void server
      .stop()
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}

start().catch((e: Error) => {
  process.send?.({ type: 'failed', error: e.stack ?? e.message } satisfies PgliteChildMessage);
  process.exit(1);
});
