import type { RowTable, RowsByTable, SpanRow } from './rows';
import { decodeRows, ROW_COLUMNS, type RowBodyFormat } from './row-format';

/**
 * Row batches in ClickHouse's Native format: one block per body, column after column. ClickHouse
 * reads it at about twice the rate of JSONCompactEachRow for the spans table (DESIGN.md) and the
 * body is about half the size, so intake, the bus and the insert all carry less.
 *
 * Block layout (Native without a client revision, as files and HTTP bodies use it):
 * `VarUInt columns, VarUInt rows`, then per column `String name, String type, data`. Data:
 * fixed-width numbers little-endian; String as VarUInt length + bytes; Nullable(T) as a UInt8
 * null map, then T; Array(T) as cumulative UInt64 offsets, then all elements; Map(K, V) as
 * Array(Tuple(K, V)): offsets, then all keys, then all values. LowCardinality(String): a UInt64
 * serialization version (1) before everything else of the column, then — only if it has values
 * — UInt64 index width and flags, UInt64 key count, the keys (the first is ''), UInt64 value
 * count and one index per value. Bodies of several messages concatenate into one valid stream
 * of blocks.
 *
 * The wire types are the table's, LowCardinality included (a dictionary per block: half the
 * bytes, and ClickHouse does not have to build the dictionary); Enum columns travel as String
 * and ClickHouse converts them on insert (`input_format_native_allow_types_conversion`).
 */
export const NATIVE_FORMAT = 'Native';

type Scalar = 'String' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int32' | 'Float64' | 'DateTime64(9)';
type WireType =
  | Scalar
  | 'LowCardinality(String)'
  | 'Nullable(Float64)'
  | 'Map(LowCardinality(String), String)'
  | 'Map(LowCardinality(String), LowCardinality(String))'
  | 'Array(String)'
  | 'Array(UInt64)'
  | 'Array(Float64)'
  | 'Array(DateTime64(9))'
  | 'Array(LowCardinality(String))'
  | 'Array(Map(LowCardinality(String), String))';

const S = 'String';
const LC = 'LowCardinality(String)';
const MAP = 'Map(LowCardinality(String), String)';
/** A map whose values repeat within a block (resource attributes repeat on every span of a resource), sent as a dictionary and cast to the table's String on insert. */
const MAP_LC = 'Map(LowCardinality(String), LowCardinality(String))';

const WIRE_TYPES: { readonly [T in RowTable]: Readonly<Record<(typeof ROW_COLUMNS)[T][number], WireType>> } = {
  spans: {
    tenant_id: LC,
    ts: 'DateTime64(9)',
    duration_ns: 'UInt64',
    trace_id: S,
    span_id: S,
    parent_span_id: S,
    trace_state: S,
    service: LC,
    span_name: LC,
    endpoint: LC,
    kind: S,
    is_entry: 'UInt8',
    txn_service: LC,
    txn_endpoint: LC,
    status_code: S,
    status_message: S,
    is_error: 'UInt8',
    http_method: LC,
    http_status: 'UInt16',
    http_route: LC,
    url_path: S,
    db_system: LC,
    db_name: LC,
    db_instance: LC,
    db_operation: LC,
    db_statement: S,
    db_fingerprint: LC,
    peer_service: LC,
    host_name: LC,
    scope_name: LC,
    scope_version: LC,
    resource_attributes: MAP_LC,
    attributes: MAP_LC,
    events_ts: 'Array(DateTime64(9))',
    events_name: 'Array(LowCardinality(String))',
    events_attributes: 'Array(Map(LowCardinality(String), String))',
    links_trace_id: 'Array(String)',
    links_span_id: 'Array(String)',
    retention_days: 'UInt16',
  },
  metric_points: {
    tenant_id: LC,
    ts: 'DateTime64(9)',
    start_ts: 'DateTime64(9)',
    metric_name: LC,
    metric_type: S,
    unit: LC,
    description: LC,
    temporality: S,
    is_monotonic: 'UInt8',
    service: LC,
    host_name: LC,
    resource_attributes: MAP,
    attributes: MAP,
    scope_name: LC,
    value: 'Float64',
    count: 'UInt64',
    sum: 'Float64',
    min: 'Nullable(Float64)',
    max: 'Nullable(Float64)',
    bucket_counts: 'Array(UInt64)',
    explicit_bounds: 'Array(Float64)',
    exp_scale: 'Int32',
    exp_zero_count: 'UInt64',
    exp_positive_offset: 'Int32',
    exp_positive_counts: 'Array(UInt64)',
    exp_negative_offset: 'Int32',
    exp_negative_counts: 'Array(UInt64)',
    quantiles: 'Array(Float64)',
    quantile_values: 'Array(Float64)',
    flags: 'UInt32',
    retention_days: 'UInt16',
  },
  logs: {
    tenant_id: LC,
    ts: 'DateTime64(9)',
    observed_ts: 'DateTime64(9)',
    trace_id: S,
    span_id: S,
    severity_number: 'UInt8',
    severity_text: LC,
    service: LC,
    host_name: LC,
    body: S,
    resource_attributes: MAP,
    attributes: MAP,
    scope_name: LC,
    flags: 'UInt32',
    event_name: LC,
    retention_days: 'UInt16',
  },
};

/** Each column's Native wire type (a spec holds them to the tables' types). */
export function nativeWireTypes(table: RowTable): Readonly<Record<string, string>> {
  return WIRE_TYPES[table];
}

/** LowCardinality: the serialization version, and the flags "additional keys" + "update dictionary" (or-ed with the index width: 0–2 for UInt8/16/32). */
const LC_VERSION = 1;
const LC_FLAGS = (1 << 9) | (1 << 10);

const TWO_32 = 2 ** 32;

/** A growing byte buffer with the few writes the Native format needs. */
class NativeWriter {
  buf: Buffer;
  pos = 0;

  // Never from Node's shared pool: a body owns its memory, so it can be transferred between threads.
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varUInt(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  string(s: string): void {
    // Short strings (the usual case): at most 3 bytes per UTF-16 unit, so one length byte suffices
    // and the text is written once, straight after it; ASCII by hand (cheaper than a native call).
    const len = s.length;
    if (len < 43) {
      this.ensure(1 + len * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      const n = i === len ? len : buf.write(s, start, 'utf8');
      buf[this.pos] = n;
      this.pos = start + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varUInt(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  u8(n: number): void {
    this.ensure(1);
    this.buf[this.pos++] = n;
  }

  u16(n: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(n, this.pos);
    this.pos += 2;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
  }

  i32(n: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(n | 0, this.pos);
    this.pos += 4;
  }

  f64(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }

  /** A non-negative integer below 2^53 as UInt64. */
  u64n(n: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(n % TWO_32, this.pos);
    this.buf.writeUInt32LE(Math.floor(n / TWO_32), this.pos + 4);
    this.pos += 8;
  }

  /** A UInt64 given as decimal text (the rows keep counters as text: they may exceed 2^53). */
  u64text(s: string): void {
    if (s.length <= 15) return this.u64n(Number(s));
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(s), this.pos);
    this.pos += 8;
  }

  /**
   * DateTime64(9) given as "seconds.nanoseconds" text (how rows carry times): Int64 nanoseconds,
   * computed in two 32-bit halves because seconds·1e9 exceeds 2^53. 1e9 = 512·1953125, and
   * seconds·1953125 stays below 2^53 until the year 4.6 million.
   */
  time(s: string): void {
    const digits = s.length - 10;
    if (digits > 0 && digits <= 15 && s.charCodeAt(digits) === 0x2e) {
      // What rows carry ("<seconds>.<9 digits>", nanosToDateTime64): the digits read in place,
      // without the slices and number parsing below.
      const sec = decimal(s, 0, digits);
      const nanos = decimal(s, digits + 1, s.length);
      if (sec >= 0 && nanos >= 0) return this.timeParts(sec, nanos);
    }
    const dot = s.indexOf('.');
    const sec = Number(dot < 0 ? s : s.slice(0, dot));
    const nanos =
      dot < 0
        ? 0
        : Number(
            s
              .slice(dot + 1)
              .padEnd(9, '0')
              .slice(0, 9),
          );
    this.timeParts(sec, nanos);
  }

  private timeParts(sec: number, nanos: number): void {
    const a = sec * 1953125; // sec·1e9 = a·512
    let hi = Math.floor(a / 2 ** 23);
    let lo = (a % 2 ** 23) * 512 + nanos;
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    this.ensure(8);
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  /** Cumulative UInt64 offsets of arrays (or maps), from their lengths. */
  offsets(arrays: readonly { length: number }[]): void {
    let total = 0;
    for (let i = 0; i < arrays.length; i++) {
      total += arrays[i].length;
      this.u64n(total);
    }
  }

  scalar(type: Scalar, v: unknown): void {
    switch (type) {
      case 'String':
        return this.string(v as string);
      case 'UInt8':
        return this.u8(v as number);
      case 'UInt16':
        return this.u16(v as number);
      case 'UInt32':
        return this.u32(v as number);
      case 'Int32':
        return this.i32(v as number);
      case 'Float64':
        return this.f64(v as number);
      case 'UInt64':
        return typeof v === 'number' ? this.u64n(v) : typeof v === 'bigint' ? this.u64big(v) : this.u64text(v as string);
      case 'DateTime64(9)':
        return typeof v === 'bigint' ? this.u64big(v) : this.time(v as string);
    }
  }

  /** A UInt64, or a DateTime64(9) in nanoseconds (0 … 2^63 - 1: both write the same 8 bytes). */
  u64big(n: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(n, this.pos);
    this.pos += 8;
  }

  /** The dictionary part of a LowCardinality(String) column (its version is written by the caller, first). */
  lowCardinality(values: readonly string[]): void {
    if (values.length === 0) return;
    const dict = new Map<string, number>([['', 0]]);
    const indexes = new Uint32Array(values.length);
    // Runs of one value are common (tenant, service, host, scope of a batch): no lookup for those.
    let prev: string | undefined;
    let prevAt = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== prev) {
        let at = dict.get(v);
        if (at === undefined) dict.set(v, (at = dict.size));
        prev = v;
        prevAt = at;
      }
      indexes[i] = prevAt;
    }
    const width = dict.size <= 0x100 ? 0 : dict.size <= 0x10000 ? 1 : 2;
    this.u64n(LC_FLAGS | width);
    this.u64n(dict.size);
    for (const key of dict.keys()) this.string(key);
    this.u64n(values.length);
    const bytes = 1 << width;
    this.ensure(values.length * bytes);
    for (const ix of indexes) {
      if (width === 0) this.buf[this.pos] = ix;
      else if (width === 1) this.buf.writeUInt16LE(ix, this.pos);
      else this.buf.writeUInt32LE(ix, this.pos);
      this.pos += bytes;
    }
  }

  /** A Map column given as its entries (see MapColumnValues). */
  mapEntries(m: MapColumnValues, lcValues: boolean): void {
    for (let i = 0; i < m.ends.length; i++) this.u64n(m.ends[i]);
    this.mapData(m.keys, m.values, lcValues);
  }

  private mapData(keys: string[], values: string[], lcValues: boolean): void {
    this.lowCardinality(keys);
    if (lcValues) this.lowCardinality(values);
    else for (const v of values) this.string(v);
  }

  maps(maps: readonly Record<string, string>[], lcValues: boolean): void {
    const keys: string[] = [];
    const values: string[] = [];
    for (const m of maps) {
      for (const key in m) {
        keys.push(key);
        values.push(m[key]);
      }
      this.u64n(keys.length);
    }
    this.mapData(keys, values, lcValues);
  }

  column(type: WireType, column: unknown[] | MapColumnValues): void {
    if (type === MAP || type === MAP_LC) {
      // LowCardinality serialization versions first: of the keys, then of the values when they are LowCardinality too.
      const lcValues = type === MAP_LC;
      this.u64n(LC_VERSION);
      if (lcValues) this.u64n(LC_VERSION);
      return column instanceof MapColumnValues ? this.mapEntries(column, lcValues) : this.maps(column as Record<string, string>[], lcValues);
    }
    const values = column as unknown[];
    switch (type) {
      case 'LowCardinality(String)':
        this.u64n(LC_VERSION);
        return this.lowCardinality(values as string[]);
      case 'Nullable(Float64)':
        for (const v of values) this.u8(v === null ? 1 : 0);
        for (const v of values) this.f64(v === null ? 0 : (v as number));
        return;
      case 'Array(Map(LowCardinality(String), String))':
        this.u64n(LC_VERSION);
        this.offsets(values as unknown[][]);
        return this.maps((values as Record<string, string>[][]).flat(), false);
      case 'Array(LowCardinality(String))':
        this.u64n(LC_VERSION);
        this.offsets(values as unknown[][]);
        return this.lowCardinality((values as string[][]).flat());
      case 'Array(String)':
      case 'Array(UInt64)':
      case 'Array(Float64)':
      case 'Array(DateTime64(9))': {
        const inner = type.slice(6, -1) as Scalar;
        this.offsets(values as unknown[][]);
        for (const a of values as unknown[][]) for (const v of a) this.scalar(inner, v);
        return;
      }
      default:
        for (const v of values) this.scalar(type, v);
    }
  }
}

/** The value of the decimal digits s[from, to) (at most 15 of them), or -1 if one is not a digit. */
function decimal(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A Map(String, String) column as its entries, without an object per row: row i holds
 * keys/values [ends[i - 1], ends[i]) (from 0 for the first row).
 */
export class MapColumnValues {
  constructor(
    readonly ends: number[] = [],
    readonly keys: string[] = [],
    readonly values: string[] = [],
  ) {}

  /** Rows [from, to) as a column of their own. */
  slice(from: number, to: number): MapColumnValues {
    const base = from > 0 ? this.ends[from - 1] : 0;
    const last = to > 0 ? this.ends[to - 1] : 0;
    const ends = new Array<number>(to - from);
    for (let i = from; i < to; i++) ends[i - from] = this.ends[i] - base;
    return new MapColumnValues(ends, this.keys.slice(base, last), this.values.slice(base, last));
  }
}

/** A table's columns as arrays of one value per row (maps may be MapColumnValues; times and UInt64 may be bigint). */
export type NativeColumns = Readonly<Record<string, unknown[] | MapColumnValues>>;

/** Columns of one table → one Native block of `rows` rows (column order per ROW_COLUMNS). */
export function encodeNativeColumns(table: RowTable, columns: NativeColumns, rows: number): Buffer {
  const names = ROW_COLUMNS[table] as readonly string[];
  const types = WIRE_TYPES[table] as Record<string, WireType>;
  // ~480 B per row: SDK spans take ~360, so a block rarely outgrows it (growing copies the block and holds twice its size).
  const w = new NativeWriter(1024 + rows * 480);
  w.varUInt(names.length);
  w.varUInt(rows);
  for (const c of names) {
    w.string(c);
    w.string(types[c]);
    w.column(types[c], columns[c]);
  }
  return w.buf.subarray(0, w.pos);
}

/** Rows of one table → one Native block (column order per ROW_COLUMNS). */
export function encodeNativeRows<T extends RowTable>(table: T, rows: readonly RowsByTable[T][number][]): Buffer {
  if (table === 'spans') return encodeNativeColumns(table, spanColumnValues(rows as readonly SpanRow[]), rows.length);
  const records = rows as unknown as readonly Record<string, unknown>[];
  const columns: Record<string, unknown[]> = {};
  for (const c of ROW_COLUMNS[table] as readonly string[]) columns[c] = records.map((r) => r[c]);
  return encodeNativeColumns(table, columns, rows.length);
}

/**
 * The spans table's rows as columns, read in one pass by constant names: every row has the same
 * shape, so each read is quick, whereas `row[column]` in a loop over the columns cost about a
 * fifth of encoding a span. (The other tables are smaller and rarer and keep the generic loop.)
 */
function spanColumnValues(rows: readonly SpanRow[]): { [C in (typeof ROW_COLUMNS)['spans'][number]]: unknown[] } {
  const n = rows.length;
  const c = {
    tenant_id: new Array<unknown>(n),
    ts: new Array<unknown>(n),
    duration_ns: new Array<unknown>(n),
    trace_id: new Array<unknown>(n),
    span_id: new Array<unknown>(n),
    parent_span_id: new Array<unknown>(n),
    trace_state: new Array<unknown>(n),
    service: new Array<unknown>(n),
    span_name: new Array<unknown>(n),
    endpoint: new Array<unknown>(n),
    kind: new Array<unknown>(n),
    is_entry: new Array<unknown>(n),
    txn_service: new Array<unknown>(n),
    txn_endpoint: new Array<unknown>(n),
    status_code: new Array<unknown>(n),
    status_message: new Array<unknown>(n),
    is_error: new Array<unknown>(n),
    http_method: new Array<unknown>(n),
    http_status: new Array<unknown>(n),
    http_route: new Array<unknown>(n),
    url_path: new Array<unknown>(n),
    db_system: new Array<unknown>(n),
    db_name: new Array<unknown>(n),
    db_instance: new Array<unknown>(n),
    db_operation: new Array<unknown>(n),
    db_statement: new Array<unknown>(n),
    db_fingerprint: new Array<unknown>(n),
    peer_service: new Array<unknown>(n),
    host_name: new Array<unknown>(n),
    scope_name: new Array<unknown>(n),
    scope_version: new Array<unknown>(n),
    resource_attributes: new Array<unknown>(n),
    attributes: new Array<unknown>(n),
    events_ts: new Array<unknown>(n),
    events_name: new Array<unknown>(n),
    events_attributes: new Array<unknown>(n),
    links_trace_id: new Array<unknown>(n),
    links_span_id: new Array<unknown>(n),
    retention_days: new Array<unknown>(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    c.tenant_id[i] = r.tenant_id;
    c.ts[i] = r.ts;
    c.duration_ns[i] = r.duration_ns;
    c.trace_id[i] = r.trace_id;
    c.span_id[i] = r.span_id;
    c.parent_span_id[i] = r.parent_span_id;
    c.trace_state[i] = r.trace_state;
    c.service[i] = r.service;
    c.span_name[i] = r.span_name;
    c.endpoint[i] = r.endpoint;
    c.kind[i] = r.kind;
    c.is_entry[i] = r.is_entry;
    c.txn_service[i] = r.txn_service;
    c.txn_endpoint[i] = r.txn_endpoint;
    c.status_code[i] = r.status_code;
    c.status_message[i] = r.status_message;
    c.is_error[i] = r.is_error;
    c.http_method[i] = r.http_method;
    c.http_status[i] = r.http_status;
    c.http_route[i] = r.http_route;
    c.url_path[i] = r.url_path;
    c.db_system[i] = r.db_system;
    c.db_name[i] = r.db_name;
    c.db_instance[i] = r.db_instance;
    c.db_operation[i] = r.db_operation;
    c.db_statement[i] = r.db_statement;
    c.db_fingerprint[i] = r.db_fingerprint;
    c.peer_service[i] = r.peer_service;
    c.host_name[i] = r.host_name;
    c.scope_name[i] = r.scope_name;
    c.scope_version[i] = r.scope_version;
    c.resource_attributes[i] = r.resource_attributes;
    c.attributes[i] = r.attributes;
    c.events_ts[i] = r.events_ts;
    c.events_name[i] = r.events_name;
    c.events_attributes[i] = r.events_attributes;
    c.links_trace_id[i] = r.links_trace_id;
    c.links_span_id[i] = r.links_span_id;
    c.retention_days[i] = r.retention_days;
  }
  return c;
}

/** Reads what encodeNativeRows wrote; throws naming the column when the bytes do not fit. */
class NativeReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new Error(`Native body ends inside ${what} at byte ${this.pos}`);
  }

  varUInt(what: string): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1, what);
      const b = this.buf[this.pos++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
    throw new Error(`Native body: VarUInt too long in ${what} at byte ${this.pos}`);
  }

  string(what: string): string {
    const n = this.varUInt(what);
    this.need(n, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  private fixed<V>(n: number, what: string, read: (at: number) => V): V {
    this.need(n, what);
    const v = read(this.pos);
    this.pos += n;
    return v;
  }

  u64(what: string): bigint {
    return this.fixed(8, what, (at) => this.buf.readBigUInt64LE(at));
  }

  scalar(type: Scalar, what: string): unknown {
    switch (type) {
      case 'String':
        return this.string(what);
      case 'UInt8':
        return this.fixed(1, what, (at) => this.buf.readUInt8(at));
      case 'UInt16':
        return this.fixed(2, what, (at) => this.buf.readUInt16LE(at));
      case 'UInt32':
        return this.fixed(4, what, (at) => this.buf.readUInt32LE(at));
      case 'Int32':
        return this.fixed(4, what, (at) => this.buf.readInt32LE(at));
      case 'Float64':
        return this.fixed(8, what, (at) => this.buf.readDoubleLE(at));
      case 'UInt64':
        return this.u64(what).toString();
      case 'DateTime64(9)': {
        const ns = this.fixed(8, what, (at) => this.buf.readBigInt64LE(at));
        return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
      }
    }
  }

  lengths(count: number, what: string): number[] {
    const out: number[] = [];
    let prev = 0;
    for (let i = 0; i < count; i++) {
      const end = Number(this.u64(what));
      if (end < prev) throw new Error(`Native body: offsets of ${what} go backwards at byte ${this.pos}`);
      out.push(end - prev);
      prev = end;
    }
    return out;
  }

  version(what: string): void {
    const v = this.u64(what);
    if (v !== BigInt(LC_VERSION)) throw new Error(`Native body: LowCardinality version ${v} in ${what}, expected ${LC_VERSION}`);
  }

  lowCardinality(count: number, what: string): string[] {
    if (count === 0) return [];
    const flags = Number(this.u64(what));
    const width = flags & 0xff;
    if (width > 2 || (flags & ~0xff) !== LC_FLAGS)
      throw new Error(`Native body: LowCardinality flags ${flags.toString(16)} in ${what} are not a single-block dictionary`);
    const keys = Array.from({ length: Number(this.u64(what)) }, () => this.string(what));
    const n = Number(this.u64(what));
    if (n !== count) throw new Error(`Native body: ${n} LowCardinality indexes in ${what}, expected ${count}`);
    const read = width === 0 ? 'UInt8' : width === 1 ? 'UInt16' : 'UInt32';
    return Array.from({ length: n }, () => {
      const key = keys[this.scalar(read, what) as number];
      if (key === undefined) throw new Error(`Native body: LowCardinality index out of range in ${what}`);
      return key;
    });
  }

  maps(count: number, what: string, lcValues = false): Record<string, string>[] {
    const sizes = this.lengths(count, what);
    const total = sizes.reduce((a, b) => a + b, 0);
    const keys = this.lowCardinality(total, what);
    const values = lcValues ? this.lowCardinality(total, what) : Array.from({ length: total }, () => this.string(what));
    let at = 0;
    return sizes.map((n) => {
      const start = at;
      at += n;
      return Object.fromEntries(keys.slice(start, at).map((key, i) => [key, values[start + i]]));
    });
  }

  column(type: string, rows: number, what: string): unknown[] {
    switch (type) {
      case 'LowCardinality(String)':
        this.version(what);
        return this.lowCardinality(rows, what);
      case 'Nullable(Float64)': {
        const nulls = Array.from({ length: rows }, () => this.scalar('UInt8', what));
        return nulls.map((isNull) => {
          const v = this.scalar('Float64', what);
          return isNull ? null : v;
        });
      }
      case 'Map(LowCardinality(String), String)':
        this.version(what);
        return this.maps(rows, what);
      case 'Map(LowCardinality(String), LowCardinality(String))':
        this.version(what);
        this.version(what);
        return this.maps(rows, what, true);
      case 'Array(Map(LowCardinality(String), String))': {
        this.version(what);
        const sizes = this.lengths(rows, what);
        const all = this.maps(
          sizes.reduce((a, b) => a + b, 0),
          what,
        );
        let at = 0;
        return sizes.map((n) => all.slice(at, (at += n)));
      }
      case 'Array(LowCardinality(String))': {
        this.version(what);
        const sizes = this.lengths(rows, what);
        const all = this.lowCardinality(
          sizes.reduce((a, b) => a + b, 0),
          what,
        );
        let at = 0;
        return sizes.map((n) => all.slice(at, (at += n)));
      }
      case 'Array(String)':
      case 'Array(UInt64)':
      case 'Array(Float64)':
      case 'Array(DateTime64(9))': {
        const inner = type.slice(6, -1) as Scalar;
        return this.lengths(rows, what).map((n) => Array.from({ length: n }, () => this.scalar(inner, what)));
      }
      case 'String':
      case 'UInt8':
      case 'UInt16':
      case 'UInt32':
      case 'UInt64':
      case 'Int32':
      case 'Float64':
      case 'DateTime64(9)':
        return Array.from({ length: rows }, () => this.scalar(type, what));
      default:
        throw new Error(`Native body: column ${what} has type ${type}, which row bodies never use`);
    }
  }
}

/** The inverse of encodeNativeRows (any number of concatenated blocks), for tools, tests and bad-row isolation. */
export function decodeNativeRows<T extends RowTable>(table: T, body: Buffer): RowsByTable[T][number][] {
  const expected = ROW_COLUMNS[table] as readonly string[];
  const r = new NativeReader(body);
  const rows: Record<string, unknown>[] = [];
  while (!r.done) {
    const columns = r.varUInt('the block header');
    const count = r.varUInt('the block header');
    const block = Array.from({ length: count }, () => ({}) as Record<string, unknown>);
    for (let c = 0; c < columns; c++) {
      const name = r.string('a column name');
      if (!expected.includes(name)) throw new Error(`Native body: column "${name}" is not a column of ${table}`);
      const values = r.column(r.string(`the type of ${name}`), count, name);
      for (let i = 0; i < count; i++) block[i][name] = values[i];
    }
    rows.push(...block);
  }
  return rows as unknown as RowsByTable[T][number][];
}

/** The rows of a bus message, whatever its body format (tests and tools). */
export function decodeMessageRows<T extends RowTable>(m: { table: T; body: Buffer; format?: RowBodyFormat }): RowsByTable[T][number][] {
  return m.format === 'Native' ? decodeNativeRows(m.table, m.body) : decodeRows(m.table, m.body);
}
