/**
 * TEST HARNESS, not a ClickHouse server. It hosts the chdb engine (ClickHouse 26.x in-process)
 * in ONE process behind the subset of ClickHouse's HTTP interface that `@clickhouse/client`
 * uses, so several processes (two ingesters and an api) can share one store in tests and the
 * `clickhouse.mode: http` path runs for real. No cluster features, no users/grants beyond one
 * configured credential, no TLS, loopback only. See README "ClickHouse HTTP test harness".
 *
 * Supported: POST/GET `/` with the query in the `query` URL parameter and/or the body (an
 * INSERT's data follows its query, as ClickHouse concatenates them), `param_<name>` bound by the
 * engine itself (never substituted into the SQL text), settings as URL parameters (applied to
 * that request only), `database`, `default_format`, `query_id`, `session_id` (a connection of
 * its own, one query at a time), gzip/deflate/br request bodies, compressed answers with
 * `enable_http_compression=1`, the `X-ClickHouse-Summary`/`-Query-Id`/`-Format`/`-Timezone`
 * headers, errors as ClickHouse sends them (status by code, `X-ClickHouse-Exception-Code`, the
 * `Code: N. DB::Exception: … (NAME)` text), `/ping`, basic auth / `X-ClickHouse-User` + `-Key` /
 * `user` + `password` parameters (401 otherwise).
 *
 * Harness-only additions (not ClickHouse): several credentials, `GET /harness/inserts` (every
 * INSERT with a deduplication token: who sent it, when, answered or not) and holding a user's
 * INSERT answers after they are stored (`holdInsertAnswersMs`), so tests can show what a crash
 * between "stored" and "acknowledged" does.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { Session } from 'chdb';

/** The chdb addon calls the harness needs: engine-side parameter binding and raw-byte inserts. */
interface ChdbNative {
  QueryAsyncConnection(conn: unknown, sql: string, format: string, params?: Record<string, string>): Promise<NativeResult>;
  InsertRawAsyncConnection(conn: unknown, prefix: string, data: Buffer, countLines: boolean): Promise<RawInsertResult>;
}
interface RawInsertResult {
  rowsWritten: number;
  bytesWritten: number;
  elapsed: number;
}
interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}

// chdb's JS Session re-escapes parameter values (it takes JS values); the HTTP parameters are
// already in ClickHouse's text form, so they go to the addon as they came, as a server would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = (require(join(dirname(require.resolve('chdb')), 'dist', 'loader.js')) as { loadNative(): ChdbNative }).loadNative();

export interface ClickHouseHttpHarnessOptions {
  /** chdb data path (one per process). */
  dataDir: string;
  /** 0 = ephemeral. Always bound to 127.0.0.1. */
  port?: number;
  /** An accepted credential (default user `default`, empty password, as ClickHouse ships). */
  username?: string;
  password?: string;
  /** More accepted credentials, user → password (e.g. one per process, to tell them apart in `/harness/inserts`). */
  users?: Record<string, string>;
  /**
   * Fault injection: a user's INSERTs are executed at once but answered this many ms later, so
   * a test can kill the client between "stored" and "acknowledged".
   */
  holdInsertAnswersMs?: Record<string, number>;
}

/** One INSERT that carried an `insert_deduplication_token`, as `GET /harness/inserts` lists it. */
export interface HarnessInsert {
  user: string;
  /** The INSERT's target as written, e.g. `meridian_ap_northeast_1.spans`. */
  table: string;
  token: string;
  /** Rows the engine read from the body (a deduplicated insert reads them too and stores none). */
  rows: number;
  /** Executed by the engine; `answered` once the HTTP answer went out. */
  answered: boolean;
  at: number;
}

export interface ClickHouseHttpHarness {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'role',
]);
/** Settings of the HTTP layer: they change how the answer is sent, not the query; the engine has none of them. */
const HTTP_LAYER_SETTINGS = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'buffer_size',
  'cancel_http_readonly_queries_on_client_close',
]);
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VERSION = '26.7.2.1';
/**
 * Where a ClickHouse server's defaults differ from chdb's (clickhouse-local) ones, the harness
 * takes the server's, since that is what it stands in for: 64-bit integers quoted in JSON.
 */
const SERVER_DEFAULTS = ['--output_format_json_quote_64bit_integers=1'];
const openConnection = (dataDir: string) => new Session(dataDir, { connectionArgs: SERVER_DEFAULTS });

/** Codes → HTTP status, as ClickHouse's HTTPHandler maps them (the ones that matter to clients). */
const STATUS_BY_CODE: Record<number, number> = {
  194: 401, // REQUIRED_PASSWORD
  516: 401, // AUTHENTICATION_FAILED
  192: 403, // UNKNOWN_USER
  497: 403, // ACCESS_DENIED
  60: 404, // UNKNOWN_TABLE
  81: 404, // UNKNOWN_DATABASE
  46: 404, // UNKNOWN_FUNCTION
  47: 404, // UNKNOWN_IDENTIFIER
  115: 404, // UNKNOWN_SETTING
  73: 404, // UNKNOWN_FORMAT
  62: 400, // SYNTAX_ERROR
  6: 400, // CANNOT_PARSE_TEXT
  27: 400, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38: 400, // CANNOT_PARSE_DATE
  41: 400, // CANNOT_PARSE_DATETIME
  72: 400, // CANNOT_PARSE_NUMBER
  117: 400, // INCORRECT_DATA
  53: 400, // TYPE_MISMATCH
  321: 400, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  457: 400, // BAD_QUERY_PARAMETER
  456: 400, // UNKNOWN_QUERY_PARAMETER
  159: 408, // TIMEOUT_EXCEEDED
  373: 500, // SESSION_IS_LOCKED
};

class HttpQueryError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly status = STATUS_BY_CODE[code] ?? 500,
  ) {
    super(`Code: ${code}. DB::Exception: ${message}. (${codeName}) (version ${VERSION})`);
  }
}

/** A per-request connection, or a `session_id`'s own one (kept while used, closed when idle). */
interface Lease {
  session: Session;
  release(): void;
}

/**
 * Serves ClickHouse's HTTP interface on 127.0.0.1 from one chdb engine. Each request runs on a
 * connection of its own (chdb connections to one data path share the engine and its data but
 * not settings), so settings and `database` given with a request never reach another one.
 */
export async function serveClickHouseHttpHarness(opts: ClickHouseHttpHarnessOptions): Promise<ClickHouseHttpHarness> {
  const users = new Map(Object.entries({ [opts.username ?? 'default']: opts.password ?? '', ...opts.users }));
  const inserts: HarnessInsert[] = [];
  // Holds the engine (and the data path) for the harness's whole life.
  const engine = openConnection(opts.dataDir);
  const sessions = new Map<string, { session: Session; busy: boolean; timer?: NodeJS.Timeout; timeoutMs: number }>();
  // chdb binds parameters per call but its set/reset is not isolated between connections under
  // concurrency (see chdb's runExclusiveParam): parameterised queries run one at a time.
  let paramChain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const p = paramChain.then(run);
    paramChain = p.catch(() => undefined);
    return p;
  };

  const lease = (sessionId: string | null, timeoutS: string | null): Lease => {
    if (!sessionId) {
      const session = openConnection(opts.dataDir);
      return { session, release: () => session.close() };
    }
    let s = sessions.get(sessionId);
    if (s?.busy) throw new HttpQueryError(373, 'SESSION_IS_LOCKED', `Session ${sessionId} is locked by a concurrent client`);
    if (!s) {
      s = { session: openConnection(opts.dataDir), busy: false, timeoutMs: 60_000 };
      sessions.set(sessionId, s);
    }
    if (timeoutS !== null && /^\d+$/.test(timeoutS)) s.timeoutMs = Number(timeoutS) * 1000;
    clearTimeout(s.timer);
    s.busy = true;
    const held = s;
    return {
      session: held.session,
      release: () => {
        held.busy = false;
        held.timer = setTimeout(() => {
          sessions.delete(sessionId);
          held.session.close();
        }, held.timeoutMs).unref();
      },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/ping') return send(res, 200, {}, 'Ok.\n');
    if (url.pathname === '/harness/inserts') {
      try {
        authenticate(req, url.searchParams, users);
      } catch (e) {
        return send(res, 401, {}, `${(e as Error).message}\n`);
      }
      return send(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(inserts));
    }
    if (url.pathname !== '/') return send(res, 404, {}, `There is no handle ${url.pathname}\n`);
    if (req.method !== 'GET' && req.method !== 'POST') return send(res, 405, {}, 'only GET and POST\n');
    const params = url.searchParams;
    const queryId = params.get('query_id') || randomUUID();
    const head: Record<string, string> = {
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Timezone': 'UTC',
      'X-ClickHouse-Server-Display-Name': 'meridian-clickhouse-http-harness',
    };
    try {
      const user = authenticate(req, params, users);
      const body = await readBody(req);
      if (req.method === 'GET' && params.get('query') === null && body.length === 0) return send(res, 200, head, 'Ok.\n');
      if (/^multipart\//i.test(req.headers['content-type'] ?? '')) {
        throw new HttpQueryError(48, 'NOT_IMPLEMENTED', 'multipart query parameters are not supported by the test harness; send param_<name> in the URL');
      }
      for (const p of ['compress', 'decompress']) {
        if (params.get(p) === '1')
          throw new HttpQueryError(
            48,
            'NOT_IMPLEMENTED',
            `${p}=1 (ClickHouse's native block compression) is not supported by the test harness; use Content-Encoding: gzip`,
          );
      }

      const queryParams: Record<string, string> = {};
      const sets: string[] = [];
      for (const [k, v] of params) {
        if (k.startsWith('param_')) queryParams[k.slice('param_'.length)] = v;
        else if (!NOT_SETTINGS.has(k) && !HTTP_LAYER_SETTINGS.has(k)) {
          if (!SETTING_NAME.test(k)) throw new HttpQueryError(115, 'UNKNOWN_SETTING', `Unknown setting '${k.slice(0, 100)}'`);
          sets.push(`SET ${k} = ${stringLiteral(v)}`);
        }
      }
      const database = params.get('database');
      if (database) sets.push(`USE ${identifier(database)}`);
      const format = params.get('default_format') || 'TabSeparated';
      const hasParams = Object.keys(queryParams).length > 0;

      const urlQuery = params.get('query');
      const insertWithData = urlQuery !== null && body.length > 0 && /^\s*INSERT\b/i.test(stripLeadingComments(urlQuery)) && !hasParams;
      const sql = urlQuery === null ? body.toString('utf8') : body.length > 0 && !insertWithData ? `${urlQuery}\n${body.toString('utf8')}` : urlQuery;
      if (sql.trim() === '') throw new HttpQueryError(62, 'SYNTAX_ERROR', 'Empty query');
      const outFormat = /^\s*INSERT\b/i.test(stripLeadingComments(sql)) ? format : (/\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql)?.[1] ?? format);

      const l = lease(params.get('session_id'), params.get('session_timeout'));
      let out: Buffer;
      let summary: Record<string, string>;
      const started = process.hrtime.bigint();
      try {
        const conn = l.session.connection;
        if (sets.length > 0) await native.QueryAsyncConnection(conn, sets.join('; '), 'TabSeparated').catch(rethrow);
        if (insertWithData) {
          const r = await native.InsertRawAsyncConnection(conn, urlQuery, body, false).catch(emptyInsertOr<RawInsertResult>(rethrow));
          const token = /\binsert_deduplication_token\s*=\s*'((?:[^'\\]|\\.)*)'/.exec(urlQuery)?.[1]?.replace(/\\(.)/g, '$1');
          if (token !== undefined) {
            const table = /^\s*INSERT\s+INTO\s+(?:TABLE\s+)?([^\s(]+)/i.exec(stripLeadingComments(urlQuery))?.[1] ?? '';
            const entry: HarnessInsert = { user, table, token, rows: r.rowsWritten, answered: false, at: Date.now() };
            inserts.push(entry);
            res.once('finish', () => (entry.answered = true));
          }
          const hold = opts.holdInsertAnswersMs?.[user];
          if (hold) await new Promise((r) => setTimeout(r, hold));
          out = Buffer.alloc(0);
          summary = {
            read_rows: String(r.rowsWritten),
            read_bytes: String(r.bytesWritten),
            written_rows: String(r.rowsWritten),
            written_bytes: String(r.bytesWritten),
            total_rows_to_read: '0',
            result_rows: '0',
            result_bytes: '0',
          };
        } else {
          const run = () => native.QueryAsyncConnection(conn, sql, format, hasParams ? queryParams : undefined);
          const r = await (hasParams ? exclusive(run) : run()).catch(emptyInsertOr<NativeResult>(rethrow));
          out = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
          summary = {
            read_rows: String(r.rowsRead),
            read_bytes: String(r.bytesRead),
            written_rows: '0',
            written_bytes: '0',
            total_rows_to_read: '0',
            result_rows: '0',
            result_bytes: String(out.length),
          };
        }
      } finally {
        l.release();
      }
      summary.elapsed_ns = String(process.hrtime.bigint() - started);
      head['X-ClickHouse-Format'] = outFormat;
      head['X-ClickHouse-Summary'] = JSON.stringify(summary);
      head['Content-Type'] = contentType(outFormat);
      if (params.get('enable_http_compression') === '1') {
        const accepted = String(req.headers['accept-encoding'] ?? '');
        const codec = ['gzip', 'deflate', 'br'].find((c) => new RegExp(`\\b${c}\\b`).test(accepted));
        if (codec) {
          head['Content-Encoding'] = codec;
          out = codec === 'gzip' ? gzipSync(out) : codec === 'deflate' ? deflateSync(out) : brotliCompressSync(out);
        }
      }
      send(res, 200, head, out);
    } catch (e) {
      const err = e instanceof HttpQueryError ? e : asHttpError(e);
      send(res, err.status, { ...head, 'X-ClickHouse-Exception-Code': String(err.code), 'Content-Type': 'text/plain; charset=UTF-8' }, `${err.message}\n`);
    }
  };

  // ClickHouse takes URIs up to 1 MiB (http_max_uri_size); long param_* arrays need it.
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024 + 64 * 1024 }, (req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, { 'X-ClickHouse-Exception-Code': '1001' }, `Code: 1001. DB::Exception: ${(e as Error).message}. (STD_EXCEPTION)\n`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      for (const s of sessions.values()) {
        clearTimeout(s.timer);
        s.session.close();
      }
      engine.close();
    },
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, { ...headers, 'Keep-Alive': 'timeout=10', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The user the request authenticates as; throws AUTHENTICATION_FAILED otherwise. */
function authenticate(req: IncomingMessage, params: URLSearchParams, users: ReadonlyMap<string, string>): string {
  let user = params.get('user') ?? undefined;
  let key = params.get('password') ?? undefined;
  const xUser = req.headers['x-clickhouse-user'];
  const xKey = req.headers['x-clickhouse-key'];
  if (typeof xUser === 'string') user = xUser;
  if (typeof xKey === 'string') key = xKey;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user = colon < 0 ? decoded : decoded.slice(0, colon);
    key = colon < 0 ? '' : decoded.slice(colon + 1);
  } else if (auth) {
    throw new HttpQueryError(516, 'AUTHENTICATION_FAILED', 'only Basic authorization is supported by the test harness');
  }
  user ??= 'default';
  key ??= '';
  const expected = users.get(user);
  if (expected === undefined || !same(key, expected)) {
    throw new HttpQueryError(
      516,
      'AUTHENTICATION_FAILED',
      `${user.slice(0, 64)}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
  }
  return user;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  try {
    if (encoding === '' || encoding === 'identity') return raw;
    if (encoding === 'gzip') return gunzipSync(raw);
    if (encoding === 'deflate') return inflateSync(raw);
    if (encoding === 'br') return brotliDecompressSync(raw);
  } catch (e) {
    throw new HttpQueryError(354, 'CANNOT_DECOMPRESS', `cannot decompress the ${encoding} request body: ${(e as Error).message}`, 400);
  }
  throw new HttpQueryError(48, 'NOT_IMPLEMENTED', `Content-Encoding ${encoding.slice(0, 32)} is not supported by the test harness (gzip, deflate, br are)`);
}

/** ClickHouse string literal: backslash escapes, so no value can close the quote. */
function stringLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function identifier(s: string): string {
  return `\`${s.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

function stripLeadingComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
}

function contentType(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TabSeparated|TSV)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8; header=absent';
  return 'text/plain; charset=UTF-8';
}

function rethrow(e: unknown): never {
  throw asHttpError(e);
}

/** An INSERT without rows is a no-op over HTTP; chdb calls it NO_DATA_TO_INSERT. */
function emptyInsertOr<T>(otherwise: (e: unknown) => never): (e: unknown) => T {
  return (e) => {
    if (asHttpError(e).code === 108) return { rowsWritten: 0, bytesWritten: 0, elapsed: 0, bytes: new Uint8Array(0), rowsRead: 0, bytesRead: 0 } as T;
    return otherwise(e);
  };
}

function asHttpError(e: unknown): HttpQueryError {
  if (e instanceof HttpQueryError) return e;
  const message = String((e as Error)?.message ?? e);
  // chdb's text is ClickHouse's: "Code: N. DB::Exception: … (NAME)"; pass it through as it is.
  const m = /Code: (\d+)\. DB::Exception: ([\s\S]*?)\s*\(([A-Z0-9_]+)\)\s*(\(version [^)]*\)\s*)?$/.exec(message.trim());
  if (m) {
    const err = new HttpQueryError(Number(m[1]), m[3], '');
    Object.defineProperty(err, 'message', { value: message.trim() });
    return err;
  }
  return new HttpQueryError(1001, 'STD_EXCEPTION', message);
}
