import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { BusUnavailableError } from '@meridian/bus';
import { encodeExportResponse, encodeRpcStatus, OtlpDecodeError, type OtlpEncoding, type OtlpSignal, RequestLimitError } from '@meridian/otlp';
import type { IntakeService } from './intake.service';
import { type IngestKeyVerifier, presentedKey } from './key-verifier';
import { type BudgetReservation, defaultRequestGuard, InflightBudgetError, type RefusalReason, type RequestGuard } from './request-guard';
import { IngestThrottledError } from './tenant-ingest-limiter';

/** google.rpc.Code values used in OTLP error bodies. */
const RPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, UNAUTHENTICATED: 16, UNAVAILABLE: 14, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNIMPLEMENTED: 12 } as const;

const SIGNAL_BY_PATH: Record<string, OtlpSignal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

export interface OtlpHttpOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** In-flight byte budget and per-request decode limits, checked before decoding; default: defaultRequestGuard(). */
  guard?: RequestGuard;
  log?: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Set for refusals counted in meridian_intake_refused_total. */
    readonly refusal?: RefusalReason,
  ) {
    super(message);
  }
}

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

/**
 * Reads the body, decompressing gzip/deflate as a stream and stopping as soon as the
 * decompressed size passes the limit, so a gzip bomb costs at most `limit` bytes of memory.
 * Every decompressed chunk is counted against the in-flight budget as it arrives. A compressed
 * body read so far is checked against the decode limits at 256 KiB, 1 MiB, 4 MiB, … (`checkPrefix`),
 * so a few KiB of gzip holding millions of empty messages are refused before they are inflated.
 * An uncompressed body costs what its sender sends (counted by the byte rate and the size limit),
 * so it is checked once, whole, by the caller; when its length is declared it is read straight
 * into one buffer of that size instead of chunks that are concatenated at the end.
 */
function readBody(req: IncomingMessage, limit: number, budget: BudgetReservation, checkPrefix: (prefix: Buffer) => void): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  let source: Readable = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') source = req.pipe(createGunzip());
  else if (encoding === 'deflate') source = req.pipe(createInflate());
  else if (encoding !== 'identity' && encoding !== '') {
    return Promise.reject(new HttpError(415, RPC.INVALID_ARGUMENT, `Content-Encoding "${encoding}" is not supported: use gzip or none`));
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  const compressed = source !== req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Uncompressed with a declared length: one buffer, filled in place, held (so counted) from the start.
    let whole: Buffer | undefined;
    if (!compressed && declared > 0) {
      try {
        budget.add(declared);
      } catch (e) {
        return reject(e as Error);
      }
      whole = Buffer.allocUnsafe(declared);
    }
    let size = 0;
    let settled = false;
    let nextPrefixCheck = compressed ? FIRST_PREFIX_CHECK_BYTES : Infinity;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      if (compressed) source.destroy();
      reject(e);
    };
    source.on('data', (chunk: Buffer) => {
      if (settled) return; // refused: the rest of the body is dropped, not counted
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      if (whole) {
        if (size > whole.length) return fail(new HttpError(400, RPC.INVALID_ARGUMENT, `request body is longer than its content-length (${whole.length})`));
        chunk.copy(whole, size - chunk.length);
        return;
      }
      try {
        budget.add(chunk.length);
      } catch (e) {
        return fail(e as Error);
      }
      chunks.push(chunk);
      if (size >= nextPrefixCheck) {
        // ×4: every check re-reads the prefix, so all of them together read a third of the body more.
        nextPrefixCheck = size * 4;
        const prefix = Buffer.concat(chunks, size);
        chunks.length = 0;
        chunks.push(prefix);
        try {
          checkPrefix(prefix);
        } catch (e) {
          return fail(e as Error);
        }
      }
    });
    source.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
    });
    source.on('error', (e) => fail(new HttpError(400, RPC.INVALID_ARGUMENT, `body could not be decompressed (${encoding}): ${e.message}`)));
    req.on('error', (e) => fail(new HttpError(400, RPC.INVALID_ARGUMENT, `request body: ${e.message}`)));
  });
}

const FIRST_PREFIX_CHECK_BYTES = 256 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(413, RPC.RESOURCE_EXHAUSTED, `request body exceeds ${limit} bytes after decompression; send smaller batches`, {}, 'body_too_large');
}

/**
 * OTLP/HTTP receiver (`POST /v1/traces|metrics|logs` on 4318) following DESIGN.md's contract:
 * protobuf and JSON, gzip, partial success, google.rpc.Status error bodies, 401/413/415,
 * 503 + Retry-After when the bus is full. Plain node:http: this is the hot path.
 */
export class OtlpHttpServer {
  private server: Server | undefined;
  private readonly guard: RequestGuard;

  constructor(
    private readonly intake: IntakeService,
    private readonly keys: IngestKeyVerifier,
    private readonly options: OtlpHttpOptions,
  ) {
    this.guard = options.guard ?? defaultRequestGuard();
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 65_000; // longer than typical SDK/LB idle timeouts
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const signal = SIGNAL_BY_PATH[path];
    let encoding: OtlpEncoding = encodingOf(req.headers['content-type']) ?? 'json';
    let reservation: BudgetReservation | undefined;
    // Stopping: a busy keep-alive connection is never idle, so server.close() would wait for it
    // for ever; answer this request and close the connection.
    if (!this.server) res.setHeader('connection', 'close');
    try {
      if (req.method === 'OPTIONS') return this.preflight(req, res);
      if (!signal) throw new HttpError(404, RPC.NOT_FOUND, `no OTLP endpoint at ${path}: use /v1/traces, /v1/metrics or /v1/logs`);
      if (req.method !== 'POST') throw new HttpError(405, RPC.UNIMPLEMENTED, `${req.method} is not allowed: use POST`, { allow: 'POST, OPTIONS' });
      const reqEncoding = encodingOf(req.headers['content-type']);
      if (!reqEncoding) {
        throw new HttpError(
          415,
          RPC.INVALID_ARGUMENT,
          `Content-Type "${req.headers['content-type'] ?? ''}" is not supported: use application/x-protobuf or application/json`,
        );
      }
      encoding = reqEncoding;
      const key = presentedKey(req.headers.authorization, header(req, 'x-meridian-key'));
      if (!key) throw new HttpError(401, RPC.UNAUTHENTICATED, 'missing ingest key: send "Authorization: Bearer <key>" or "x-meridian-key: <key>"');
      const who = await this.keys.verify(key);
      if (!who) throw new HttpError(401, RPC.UNAUTHENTICATED, 'invalid or revoked ingest key');
      this.intake.checkDeclaredBytes(signal, who, Number(req.headers['content-length'] ?? 0)); // over the byte rate: refuse unread
      reservation = this.guard.budget.reserve(who.tenantId);
      const body = await readBody(req, this.options.maxBodyBytes, reservation, (prefix) => this.guard.checkPrefix(signal, encoding, prefix));
      const counts = this.guard.checkBody(signal, encoding, body);
      const result = await this.intake.accept(signal, encoding, body, who, true);
      this.guard.accepted(signal, counts);
      const partial = result.rejected > 0 ? { rejected: result.rejected, errorMessage: result.errorMessage } : undefined;
      this.send(req, res, 200, encoding, encodeExportResponse(signal, encoding, partial));
    } catch (e) {
      const err = this.toHttpError(e);
      if (err.refusal && signal) this.guard.refused(signal, err.refusal);
      const unread =
        err.status === 413 || err.status === 401 || err.refusal === 'inflight_budget' || (e instanceof IngestThrottledError && e.stage === 'declared-bytes');
      if (unread) res.setHeader('connection', 'close'); // don't read the rest of a body we refuse
      for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      this.send(req, res, err.status, encoding, encodeRpcStatus(encoding, err.rpcCode, err.message));
    } finally {
      reservation?.release(); // answered (or failed): the body is no longer held
    }
  }

  private toHttpError(e: unknown): HttpError {
    if (e instanceof HttpError) return e;
    if (e instanceof OtlpDecodeError) return new HttpError(400, RPC.INVALID_ARGUMENT, e.message);
    if (e instanceof RequestLimitError) return new HttpError(413, RPC.RESOURCE_EXHAUSTED, e.message, {}, e.reason);
    if (e instanceof InflightBudgetError)
      return new HttpError(503, RPC.UNAVAILABLE, e.message, { 'retry-after': String(e.retryAfterSeconds) }, 'inflight_budget');
    if (e instanceof IngestThrottledError) return new HttpError(429, RPC.RESOURCE_EXHAUSTED, e.message, { 'retry-after': String(e.retryAfterSeconds) });
    if (e instanceof BusUnavailableError) {
      return new HttpError(503, RPC.UNAVAILABLE, `${e.message}; retry later`, { 'retry-after': String(e.retryAfterSeconds) });
    }
    this.options.log?.(`intake: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return new HttpError(500, RPC.INTERNAL, 'internal error');
  }

  private preflight(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(204, {
      ...corsHeaders(req),
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, content-encoding, authorization, x-meridian-key',
      'access-control-max-age': '600',
    });
    res.end();
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, encoding: OtlpEncoding, body: Buffer): void {
    if (res.headersSent) return;
    res.writeHead(status, {
      ...corsHeaders(req),
      'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      'content-length': String(body.length),
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Browser SDKs post cross-origin; keys travel in headers, so no cookies are involved. */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  // Browser exporters may read Retry-After of a 429/503 only if it is exposed.
  return req.headers.origin ? { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After', vary: 'origin' } : {};
}
