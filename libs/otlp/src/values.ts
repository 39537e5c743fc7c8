/** Normalization of the small OTLP building blocks: ids, 64-bit integers, AnyValue, attributes. */
import type { Int64, RawAnyValue, RawKeyValue, RawResource, RawScope } from './proto';
import type { ItemRules } from './limits';
import type { AnyValue, Attributes, InstrumentationScope, Resource } from './types';
import { MAX_ANY_VALUE_DEPTH } from './wire-limits'; // the wire pass cuts at the same depth

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes → lowercase hex through a table (ids are 8 or 16 bytes: a loop beats Buffer#toString here). */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_BYTE[bytes[i]];
  return s;
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A byte array no valid id has (ids are 0, 8 or 16 bytes): what bad hex in JSON turns into, so the length check rejects it. */
const BAD_HEX = new Uint8Array(1);

/** Hex text → bytes; text that is not hex (odd length, other characters) → a 1-byte array that every id check rejects. */
export function hexToBytes(hex: string): Uint8Array {
  const n = hex.length;
  if ((n & 1) !== 0) return BAD_HEX;
  for (let i = 0; i < n; i++) {
    const c = hex.charCodeAt(i);
    // 0-9, A-F, a-f
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return BAD_HEX;
  }
  return Buffer.from(hex, 'hex');
}

/** fixed64 / uint64 (times, counts) → bigint, exactly. */
export function uint64ToBigInt(v: Int64): bigint {
  if (typeof v === 'bigint') return v;
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'object') {
    const lo = v.low >>> 0;
    if (v.high === 0) return BigInt(lo);
    return (BigInt(v.high >>> 0) << 32n) | BigInt(lo);
  }
  return toBigIntLenient(v);
}

/** int64 / sfixed64 → bigint, exactly (two's complement). */
export function int64ToBigInt(v: Int64): bigint {
  if (typeof v === 'bigint') return v;
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'object') {
    const lo = v.low >>> 0;
    if (v.high === 0) return BigInt(lo);
    return (BigInt(v.high | 0) << 32n) + BigInt(lo);
  }
  return toBigIntLenient(v);
}

function toBigIntLenient(v: number | string): bigint {
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  try {
    return BigInt(v);
  } catch {
    return 0n;
  }
}

/**
 * An AnyValue. With `rules`, strings and bytes longer than maxAttributeValueBytes are cut
 * (counted in rules.truncated.attributeValues); without, they are kept whole (log bodies).
 */
export function anyValue(v: RawAnyValue | null | undefined, rules: ItemRules | null = null, depth = 0): AnyValue {
  if (v === null || v === undefined) return null;
  if (v.stringValue != null) return rules === null ? v.stringValue : limitString(v.stringValue, rules);
  if (v.intValue != null) return int64ToBigInt(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.arrayValue != null) {
    if (depth >= MAX_ANY_VALUE_DEPTH) return null;
    const values = v.arrayValue.values;
    const out: AnyValue[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i], rules, depth + 1);
    return out;
  }
  if (v.kvlistValue != null) {
    if (depth >= MAX_ANY_VALUE_DEPTH) return null;
    return keyValues(v.kvlistValue.values, v.kvlistValue.values.length, rules, depth + 1);
  }
  // A copy: the decoded view would keep the whole request buffer alive, and a plain
  // Uint8Array is what both encodings give.
  if (v.bytesValue != null) {
    const bytes = v.bytesValue;
    if (rules !== null && bytes.length > rules.limits.maxAttributeValueBytes) {
      rules.truncated.attributeValues++;
      return bytes.slice(0, rules.limits.maxAttributeValueBytes);
    }
    return new Uint8Array(bytes);
  }
  return null;
}

/** An attribute string cut to maxAttributeValueBytes of UTF-8 (a cut is counted). */
export function limitString(s: string, rules: ItemRules): string {
  const max = rules.limits.maxAttributeValueBytes;
  if (s.length * 3 <= max) return s; // cannot be longer in UTF-8
  const cut = truncateUtf8(s, max);
  if (cut !== s) rules.truncated.attributeValues++;
  return cut;
}

/** At most `maxBytes` of UTF-8, cut on a character boundary (the same string when it fits). */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // do not split a multi-byte character
  return bytes.toString('utf8', 0, end);
}

/** The first `count` key-values as a map (the last duplicate wins). */
function keyValues(kvs: readonly RawKeyValue[], count: number, rules: ItemRules | null, depth: number): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < count; i++) {
    const kv = kvs[i];
    const key = kv.key ?? '';
    const value = anyValue(kv.value, rules, depth);
    // A plain assignment to "__proto__" would set the prototype instead of a key.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

/**
 * The attribute set of one item: the first maxAttributesPerItem key-values are kept, the
 * rest dropped and counted (the caller adds `dropped(kvs, rules)` to its droppedAttributesCount).
 */
export function attributes(kvs: readonly RawKeyValue[] | null | undefined, rules: ItemRules): Attributes {
  if (!kvs || kvs.length === 0) return {};
  const max = rules.limits.maxAttributesPerItem;
  if (kvs.length > max) rules.truncated.attributes += kvs.length - max;
  return keyValues(kvs, Math.min(kvs.length, max), rules, 0);
}

/** droppedAttributesCount as sent plus what maxAttributesPerItem dropped, kept a uint32. */
export function droppedAttributes(sent: number | null | undefined, kvs: readonly RawKeyValue[] | null | undefined, rules: ItemRules): number {
  const cut = kvs ? Math.max(0, kvs.length - rules.limits.maxAttributesPerItem) : 0;
  return Math.min((sent || 0) + cut, 0xffffffff);
}

export function resource(r: RawResource | null | undefined, rules: ItemRules): Resource {
  if (!r) return { attributes: {}, droppedAttributesCount: 0 };
  return { attributes: attributes(r.attributes, rules), droppedAttributesCount: droppedAttributes(r.droppedAttributesCount, r.attributes, rules) };
}

export function scope(s: RawScope | null | undefined, rules: ItemRules): InstrumentationScope {
  if (!s) return { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
  return {
    name: s.name ?? '',
    version: s.version ?? '',
    attributes: attributes(s.attributes, rules),
    droppedAttributesCount: droppedAttributes(s.droppedAttributesCount, s.attributes, rules),
  };
}

/** An enum number as sent (JSON may carry any number: -1, 1.5, 1e300), or 0 (unspecified) when not one of 0..max. */
export function enumNumber(v: number | null | undefined, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : 0;
}

// ------------------------------------------------------------------ lone surrogates

/**
 * Whether JSON text may hold a UTF-16 surrogate escape ("\ud800"…"\udfff"). Only escapes can
 * make a lone surrogate: invalid UTF-8 bytes already decode to U+FFFD. A scan for "\u" is
 * cheap (memchr-like), so the walk below runs only for bodies that need it.
 */
export function mayHoldLoneSurrogates(body: Uint8Array): boolean {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let i = buf.indexOf(BACKSLASH_U);
  while (i >= 0 && i + 3 < buf.length) {
    const c = buf[i + 2];
    const d = buf[i + 3];
    if ((c === 0x64 || c === 0x44) /* d D */ && ((d >= 0x38 && d <= 0x39) || (d >= 0x61 && d <= 0x66) || (d >= 0x41 && d <= 0x46))) return true;
    i = buf.indexOf(BACKSLASH_U, i + 2);
  }
  return false;
}
const BACKSLASH_U = Buffer.from('\\u', 'latin1');

/** String.prototype.isWellFormed / toWellFormed (Node 20; the ES2024 typings are not in this project's lib). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Replaces lone surrogates by U+FFFD in every string (values and keys) of parsed JSON, in
 * place. ClickHouse refuses the whole insert over one "\ud800" in JSON input. Iterative, so
 * deep nesting cannot overflow the stack.
 */
export function replaceLoneSurrogates(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === 'string') {
          if (!(v as unknown as WellFormed).isWellFormed()) node[i] = (v as unknown as WellFormed).toWellFormed();
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
      continue;
    }
    const obj = node as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (typeof v === 'string') {
        if (!(v as unknown as WellFormed).isWellFormed()) obj[key] = (v as unknown as WellFormed).toWellFormed();
      } else if (v !== null && typeof v === 'object') stack.push(v);
      if (!(key as unknown as WellFormed).isWellFormed()) {
        const fixed = (key as unknown as WellFormed).toWellFormed();
        Object.defineProperty(obj, fixed, { value: obj[key], enumerable: true, writable: true, configurable: true });
        delete obj[key];
      }
    }
  }
}

/** The `prepare` step of decodeJson for one signal, preceded by the lone-surrogate repair when the body may need it. */
export function withWellFormedStrings(body: Uint8Array, prepare: (request: Record<string, unknown>) => void): (request: Record<string, unknown>) => void {
  if (!mayHoldLoneSurrogates(body)) return prepare;
  return (request) => {
    replaceLoneSurrogates(request);
    prepare(request);
  };
}
