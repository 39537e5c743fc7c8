import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMeridian } from '@meridian/testing';
import { generatePayloads } from './payloads';
import { runIngestPhase } from './ingest-phase';
async function main() {
  const set = generatePayloads({ payloads: 200, spansPerPayload: 800, seed: 1, endTimeMs: Date.now(), spreadMs: 120_000 });
  console.log('gen', set.spans, set.generateMs);
  const dataDir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
  const t = performance.now();
  const server = await startMeridian({ dataDir, env: { MERIDIAN_DEMO: '0', MERIDIAN_INGEST_FLUSH_MS: '1000' } });
  console.log('started', performance.now() - t, server.ports);
  try {
    const r = await runIngestPhase({ server, bodies: set.bodies, spans: set.spans, concurrency: 8, timeoutMs: 120000, log: console.log });
    console.log(JSON.stringify(r, null, 1));
  } finally {
    const s = performance.now();
    console.log('exit', await server.stop(), performance.now() - s);
    console.log(server.output().slice(-2000));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
void main();
