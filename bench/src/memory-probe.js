// Preloaded into the bench's server child (NODE_OPTIONS=--require …, see ingest-phase.ts) when
// MERIDIAN_BENCH_MEMORY_PROBE names a file: every 500 ms each thread (main, intake encode
// threads, the PGlite thread) appends one JSON line with its V8 heap and external memory; the
// main thread adds the process's /proc status and, once `<file>.go` exists (the server has
// opened its engine), the embedded ClickHouse engine's own accounting, read through a second
// connection to the same engine. Plain JavaScript: it runs before any TypeScript loader.
/* global require, process, setInterval, clearInterval */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: preloaded with --require, before any loader */
'use strict';
const { appendFileSync, existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { isMainThread, threadId, workerData } = require('node:worker_threads');

const out = process.env.MERIDIAN_BENCH_MEMORY_PROBE;
if (out) {
  const kind = isMainThread
    ? 'main'
    : workerData && typeof workerData.modulePath === 'string' && workerData.modulePath.includes('pglite')
      ? 'pglite'
      : 'worker';
  let session;
  const ENGINE_SQL = `
    SELECT metric, toFloat64(value) FROM system.metrics WHERE metric IN ('MemoryTracking', 'MergesMutationsMemoryTracking', 'MarkCacheBytes', 'PrimaryIndexCacheBytes', 'IndexMarkCacheBytes')
    UNION ALL SELECT 'queries', toFloat64(sum(memory_usage)) FROM system.processes
    UNION ALL SELECT 'merges', toFloat64(sum(memory_usage)) FROM system.merges`;
  const engine = () => {
    if (!session) {
      if (!existsSync(`${out}.go`) || !process.env.MERIDIAN_DATA_DIR) return undefined;
      const { Session } = require('chdb');
      session = new Session(join(process.env.MERIDIAN_DATA_DIR, 'clickhouse'));
    }
    try {
      const rows = session.query(ENGINE_SQL, 'JSONCompactEachRow').trim().split('\n').filter(Boolean);
      return Object.fromEntries(rows.map((l) => JSON.parse(l)));
    } catch (e) {
      return { error: String(e && e.message).slice(0, 200) };
    }
  };
  const proc = () => {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s) || [0, 0])[1]) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), threads: Number((/^Threads:\s+(\d+)/m.exec(s) || [0, 0])[1]) };
  };
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const row = { t: Date.now(), thread: threadId, kind, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    if (isMainThread) Object.assign(row, proc(), { engine: engine() });
    try {
      appendFileSync(out, `${JSON.stringify(row)}\n`);
    } catch {
      clearInterval(timer);
    }
  }, 500);
  timer.unref();
}
