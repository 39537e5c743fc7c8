import { generatePayloads } from './payloads';
import { decodeTraces } from '@meridian/otlp';
import { buildSpanRows, serializeRows } from '@meridian/signal-rows';
const set = generatePayloads({ payloads: 150, spansPerPayload: 800, seed: 1, endTimeMs: Date.now(), spreadMs: 120_000 });
console.log({ spans: set.spans, ms: set.generateMs, spansPerSec: set.spans / set.generateMs * 1000 });
for (let pass = 0; pass < 2; pass++) {
let a = 0, b = 0, c = 0, rows = 0;
for (const body of set.bodies) { let t = performance.now(); const d = decodeTraces(body, 'protobuf'); a += performance.now() - t; t = performance.now(); const r = buildSpanRows(d, { tenantId: '0a1b2c3d-aaaa-4bbb-8ccc-1234567890ab', retentionDays: 30 }); b += performance.now() - t; t = performance.now(); serializeRows(r); c += performance.now() - t; rows += r.length; }
console.log({ decode: rows / a * 1000, rows: rows / b * 1000, ser: rows / c * 1000, all: rows / (a + b + c) * 1000 });
}
