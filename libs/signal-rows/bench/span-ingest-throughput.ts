/**
 * Span ingest hot path on one core: protobuf decode → buildSpanRows → encodeNativeRows.
 *   node scripts/run-ts.js libs/signal-rows/bench/span-ingest-throughput.ts
 * Reports spans per CPU-second of this process (process.cpuUsage), which is steadier than
 * wall time on a shared machine.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeTraces } from '@meridian/otlp';
import { encodeNativeRows, encodeRows } from '@meridian/domain';
import { buildSpanRows } from '../src';

const SPANS_PER_REQUEST = 500;
const SECONDS = Number(process.argv[2] ?? 3);

/** A web transaction (SERVER span, 6 HTTP attributes, one event) with 4 SQL CLIENT spans, like an instrumented Node service. */
function payloads(): { protobuf: Uint8Array; json: Uint8Array } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'web-01', 'service.version': '1.4.2', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let i = 0; i < SPANS_PER_REQUEST / 5; i++) {
    const root = tracer.startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/orders/:id',
        'http.response.status_code': 200,
        'url.path': `/orders/${i}`,
        'server.address': 'shop.example',
        'user_agent.original': 'Mozilla/5.0',
      },
    });
    root.addEvent('cache.miss', { key: `order:${i}` });
    for (let j = 0; j < 4; j++) {
      const db = tracer.startSpan('SELECT orders', {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': 'shop',
          'db.query.text': `SELECT * FROM orders WHERE id = ${i} AND state IN ('a', 'b')`,
          'server.address': 'pg-1',
          'server.port': 5432,
        },
      });
      if (j === 3) db.setStatus({ code: SpanStatusCode.ERROR });
      db.end();
    }
    root.end();
  }
  const spans = exporter.getFinishedSpans();
  return { protobuf: ProtobufTraceSerializer.serializeRequest(spans)!, json: JsonTraceSerializer.serializeRequest(spans)! };
}

function measure(label: string, seconds: number, step: () => number): void {
  const deadline = Date.now() + seconds * 1000;
  const t0 = process.cpuUsage();
  let spans = 0;
  while (Date.now() < deadline) spans += step();
  const used = process.cpuUsage(t0);
  const perSec = spans / ((used.user + used.system) / 1e6);
  if (label) console.log(`${label.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(9)} spans/s`);
}

const { protobuf: body, json } = payloads();
const ctx = { tenantId: 't_bench', retentionDays: 30 };
const decoded = decodeTraces(body, 'protobuf');
const rows = buildSpanRows(decoded, ctx);
console.log(
  `payload: ${body.length} bytes protobuf, ${SPANS_PER_REQUEST} spans; out: Native ${encodeNativeRows('spans', rows).length} bytes, JSONCompactEachRow ${encodeRows('spans', rows).length}`,
);
const all = () => (encodeNativeRows('spans', buildSpanRows(decodeTraces(body, 'protobuf'), ctx)).length > 0 ? SPANS_PER_REQUEST : 0);
measure('', 1, all); // warm-up
measure('decode', SECONDS, () => decodeTraces(body, 'protobuf').rejected + SPANS_PER_REQUEST);
measure('buildSpanRows', SECONDS, () => buildSpanRows(decoded, ctx).length);
measure('encodeNativeRows', SECONDS, () => (encodeNativeRows('spans', rows).length > 0 ? SPANS_PER_REQUEST : 0));
measure('encodeRows (JSON, as before)', SECONDS, () => (encodeRows('spans', rows).length > 0 ? SPANS_PER_REQUEST : 0));
measure('decode + buildSpanRows + encodeNativeRows', SECONDS, all);
// last: decoding JSON too makes the shared code see a second message shape (slower afterwards, as in a mixed-encoding intake)
measure('decode (OTLP/JSON, for comparison)', SECONDS, () => decodeTraces(json, 'json').rejected + SPANS_PER_REQUEST);
