/**
 * The demo app's services as real processes with the OpenTelemetry auto-instrumentations,
 * exporting to an OTLP/HTTP endpoint decoded by Meridian's own decoder and row builder.
 * Uses PGlite through its wire-protocol socket (the fallback), so it runs on any machine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LogRow, SpanRow } from '@meridian/domain';
import { decodeLogs, decodeTraces } from '@meridian/otlp';
import { buildLogRows, buildSpanRows } from '@meridian/signal-rows';
import { type DemoApp, startDemoApp } from './demo-app';
import { RECENT_ORDERS } from './databases';

jest.setTimeout(90_000);

async function otlpSink(): Promise<{ url: string; spans: SpanRow[]; logs: LogRow[]; auth: Set<string>; close(): Promise<void> }> {
  const spans: SpanRow[] = [];
  const logs: LogRow[] = [];
  const auth = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      auth.add(String(req.headers.authorization));
      const rows = { tenantId: 't', retentionDays: 1 };
      if (req.url === '/v1/logs') logs.push(...buildLogRows(decodeLogs(Buffer.concat(chunks), 'protobuf'), rows));
      else spans.push(...buildSpanRows(decodeTraces(Buffer.concat(chunks), 'protobuf'), rows));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, logs, auth, close: () => new Promise((r) => server.close(() => r())) };
}

describe('demo app (PGlite fallback, no MariaDB)', () => {
  let sink: Awaited<ReturnType<typeof otlpSink>>;
  let app: DemoApp;

  beforeAll(async () => {
    sink = await otlpSink();
    app = await startDemoApp({
      otlpUrl: sink.url,
      ingestKey: 'mrd_ik_demo',
      requestsPerSecond: 0,
      useLocalPostgres: false,
      useLocalMariadb: false,
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await app?.stop();
    await sink?.close();
  });

  it('serves a real N+1: one request of GET /orders/recent runs 1 + 50 traced queries under one transaction', async () => {
    expect(app.postgres).toBe('pglite');
    expect(app.databases).toEqual([{ url: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/), name: 'demo-pglite', cluster: 'demo' }]);
    const res = await fetch(`${app.storefrontUrl}/orders/recent`);
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveLength(RECENT_ORDERS);
    await app.stop(); // flushes the services' span and log processors

    expect(sink.auth).toEqual(new Set(['Bearer mrd_ik_demo']));
    const entry = sink.spans.find((s) => s.service === 'catalog' && s.is_entry === 1)!;
    expect(entry).toMatchObject({ endpoint: 'GET /orders/recent', http_route: '/orders/recent', kind: 'SERVER' });
    // The storefront's call continued the same trace into catalog.
    expect(sink.spans.find((s) => s.service === 'storefront' && s.is_entry === 1)).toMatchObject({ trace_id: entry.trace_id, endpoint: 'GET /orders/recent' });
    const queries = sink.spans.filter((s) => s.trace_id === entry.trace_id && s.db_fingerprint !== '');
    const byFingerprint = new Map<string, number>();
    for (const q of queries) byFingerprint.set(q.db_fingerprint, (byFingerprint.get(q.db_fingerprint) ?? 0) + 1);
    expect(Object.fromEntries(byFingerprint)).toEqual({
      'SELECT id, customer FROM orders ORDER BY id DESC LIMIT ?': 1,
      'SELECT product_id, qty FROM order_items WHERE order_id = ?': RECENT_ORDERS,
    });
    expect(queries[0]).toMatchObject({
      service: 'catalog',
      db_system: 'postgresql',
      kind: 'CLIENT',
      db_instance: app.databases[0].url.replace(/^postgres:\/\/postgres@|\/postgres$/g, ''),
    });
    // The service logged what it did through the OpenTelemetry logs SDK, inside the request's span.
    expect(sink.logs.find((l) => l.body === `listed ${RECENT_ORDERS} recent orders with ${RECENT_ORDERS + 1} queries`)).toMatchObject({
      service: 'catalog',
      severity_text: 'INFO',
      severity_number: 9,
      trace_id: entry.trace_id,
      span_id: entry.span_id,
    });
  });
});
