import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** One OTLP/JSON traces request: one server span per given trace id. */
export function otlpTracesJson(traceIds: string[], service = 'load'): string {
  const now = Date.now() * 1e6;
  const spans = traceIds.map((traceId) => ({
    traceId,
    spanId: hex(8),
    name: 'GET /load',
    kind: 2,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 3e6),
    attributes: [{ key: 'http.route', value: { stringValue: '/load' } }],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] });
}

export interface OtlpLoad {
  /** Trace ids of requests answered 2xx (one span each). */
  accepted: Set<string>;
  /** Trace ids of requests whose connection broke mid-request: stored at most once. */
  maybe: Set<string>;
  /** Resolves once `n` spans were accepted; throws after `timeoutMs`. */
  acceptedBy(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Sends OTLP/HTTP traces from `concurrency` clients until stopped, each request to the next of
 * `ports()`, retrying the way an SDK does: 429/503 → wait Retry-After, same payload (not
 * accepted, so never stored); connection refused → same payload again (it reached no server);
 * a connection broken mid-request → outcome unknown, so its ids go to `maybe` and the retry
 * carries fresh ids, which keeps "accepted exactly once" checkable.
 */
export function startOtlpLoad(opts: { ports: () => number[]; key: string; concurrency?: number; spansPerRequest?: number }): OtlpLoad {
  const accepted = new Set<string>();
  const maybe = new Set<string>();
  const perRequest = opts.spansPerRequest ?? 20;
  let turn = 0;
  let sending = true;
  const client = async () => {
    while (sending) {
      let ids = Array.from({ length: perRequest }, () => hex(16));
      // Retries send the same bytes, as the OpenTelemetry exporters do.
      let body = otlpTracesJson(ids);
      while (sending) {
        const ports = opts.ports();
        const port = ports[turn++ % ports.length];
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key}` },
            body,
          });
          await res.arrayBuffer();
          if (res.ok) {
            ids.forEach((id) => accepted.add(id));
            break;
          }
          if (res.status !== 429 && res.status !== 503) throw new Error(`intake answered ${res.status}`);
          await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
        } catch (e) {
          if ((e as Error).message.startsWith('intake answered')) throw e;
          if ((e as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') {
            ids.forEach((id) => maybe.add(id));
            ids = ids.map(() => hex(16));
            body = otlpTracesJson(ids);
          }
          await sleep(50);
        }
      }
    }
  };
  let failure: Error | undefined;
  const clients = Array.from({ length: opts.concurrency ?? 3 }, () => client().catch((e: Error) => void (failure ??= e)));
  return {
    accepted,
    maybe,
    async acceptedBy(n, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.size < n) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`only ${accepted.size} of ${n} spans accepted in time`);
        await sleep(20);
      }
    },
    async stop() {
      sending = false;
      await Promise.all(clients);
      if (failure) throw failure;
    },
  };
}

/**
 * Trace id → copies in one region of a stopped server's embedded ClickHouse, read in a child
 * process (chdb opens one data path per process).
 */
export async function storedSpanCopies(dataDir: string, region = 'ap-northeast-1', database = 'meridian_ap_northeast_1'): Promise<Map<string, number>> {
  const repo = resolve(__dirname, '../..');
  const arg = JSON.stringify({ dataDir: join(dataDir, 'clickhouse'), region, database });
  const { stdout } = await promisify(execFile)(process.execPath, [join(repo, 'scripts/run-ts.js'), join(__dirname, 'span-copies.script.ts'), arg], {
    cwd: repo,
    timeout: 60_000,
  });
  return new Map(Object.entries(JSON.parse(stdout) as Record<string, number>));
}
