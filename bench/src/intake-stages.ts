/**
 * The intake's per-span stages on one core, over the bench's own payloads (bench/src/payloads.ts:
 * SDK-made traces with HTTP and SQL spans): protobuf decode, buildSpanRows, encodeNativeRows, and
 * the three together. Each stage runs `runs` times for about `seconds` each; the best run
 * (spans per CPU-second of this process, process.cpuUsage) is printed, as the machine may be
 * shared: the load average is printed too.
 *   node scripts/run-ts.js bench/src/intake-stages.ts [seconds=2] [runs=5] [payloads=8]
 * Profile a stage: MERIDIAN_STAGE=rows node --cpu-prof -r @swc-node/register bench/src/intake-stages.ts
 * Results are bimodal under default V8 flags (see MERIDIAN_NO_PRETENURING below): run it a few times.
 */
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { encodeNativeRows } from '@meridian/domain';
import { decodeTraces, streamTraces } from '@meridian/otlp';
import { buildSpanRows, SpanColumns } from '@meridian/signal-rows';
import { generatePayloads } from './payloads';

const SECONDS = Number(process.argv[2] ?? 2);
const RUNS = Number(process.argv[3] ?? 5);
const PAYLOADS = Number(process.argv[4] ?? 8);
const ONLY = process.env.MERIDIAN_STAGE; // decode | rows | native | all: run just that stage
// V8 may start allocating rows straight in the old generation (allocation-site pretenuring) when a
// young-generation collection finds most of them alive; rows then die there, and each collection
// also keeps what they point to: the rows stage ran at about half speed in those processes.
// MERIDIAN_NO_PRETENURING=1 measures without it.
if (process.env.MERIDIAN_NO_PRETENURING === '1') setFlagsFromString('--no-allocation-site-pretenuring');

const set = generatePayloads({ payloads: PAYLOADS, spansPerPayload: 800, seed: 7, endTimeMs: Date.now(), spreadMs: 600_000 });
const ctx = { tenantId: 't_bench', retentionDays: 30 };
// The rows and native stages start from kept results; kept only when those stages run, as a large
// heap of them makes every collection of the other stages slower (as no intake thread's heap is).
const keep = !ONLY || ONLY === 'rows' || ONLY === 'native';
const decoded = keep ? set.bodies.map((b) => decodeTraces(b, 'protobuf')) : [];
const rows = decoded.map((d) => buildSpanRows(d, ctx));
const nativeBytes = set.bodies.reduce((n, b) => n + new SpanColumns(ctx).addDecoded(decodeTraces(b, 'protobuf')).native().length, 0);
console.log(
  `${set.bodies.length} payloads, ${set.spans} spans, ${set.bytes} bytes protobuf, ${nativeBytes} bytes Native (${(nativeBytes / set.spans).toFixed(1)} B/span)`,
);

/** One pass over all payloads; returns the spans handled. */
const stages: Record<string, () => number> = {
  decode: () => {
    for (const b of set.bodies) decodeTraces(b, 'protobuf');
    return set.spans;
  },
  rows: () => {
    let n = 0;
    for (const d of decoded) n += buildSpanRows(d, ctx).length;
    return n;
  },
  native: () => {
    let n = 0;
    for (const r of rows) n += encodeNativeRows('spans', r).length > 0 ? r.length : 0;
    return n;
  },
  all: () => {
    let n = 0;
    for (const b of set.bodies) {
      const r = buildSpanRows(decodeTraces(b, 'protobuf'), ctx);
      n += encodeNativeRows('spans', r).length > 0 ? r.length : 0;
    }
    return n;
  },
  // What intake runs: one pass from protobuf into columns (streamTraces), then the Native block.
  onepass: () => {
    let n = 0;
    for (const b of set.bodies) {
      const columns = new SpanColumns(ctx);
      if (!streamTraces(b, undefined, columns)) throw new Error('the bench payloads must take the one pass');
      n += columns.native().length > 0 ? columns.length : 0;
    }
    return n;
  },
};

function run(step: () => number): number {
  const deadline = Date.now() + SECONDS * 1000;
  const t0 = process.cpuUsage();
  let spans = 0;
  while (Date.now() < deadline) spans += step();
  const used = process.cpuUsage(t0);
  return spans / ((used.user + used.system) / 1e6);
}

const names = ONLY ? [ONLY] : Object.keys(stages);
for (const name of names) run(stages[name]); // warm-up: every shape seen before timing
const load0 = loadavg()[0];
for (const name of names) {
  const rates = Array.from({ length: RUNS }, () => run(stages[name]));
  const best = Math.max(...rates);
  const fmt = (n: number) => `${(n / 1000).toFixed(1)} k`;
  console.log(`${name.padEnd(8)} best ${fmt(best).padStart(8)} spans/s  (${(1e6 / best).toFixed(2)} µs/span; runs: ${rates.map(fmt).join(', ')})`);
}
console.log(`load average (1 min) ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
