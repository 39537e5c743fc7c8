/** Normalization of the small OTLP building blocks: ids, 64-bit integers, AnyValue, attributes. */
import type { Int64, RawAnyValue, RawKeyValue, RawResource, RawScope } from './proto';
import type { AnyValue, Attributes, InstrumentationScope, Resource } from './types';

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

/** AnyValue nested deeper than this (arrays/kvlists in arrays/kvlists…) is dropped to null. */
const MAX_ANY_VALUE_DEPTH = 32;

export function anyValue(v: RawAnyValue | null | undefined, depth = 0): AnyValue {
  if (v === null || v === undefined) return null;
  if (v.stringValue != null) return v.stringValue;
  if (v.intValue != null) return int64ToBigInt(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.arrayValue != null) {
    if (depth >= MAX_ANY_VALUE_DEPTH) return null;
    const values = v.arrayValue.values;
    const out: AnyValue[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = anyValue(values[i], depth + 1);
    return out;
  }
  if (v.kvlistValue != null) {
    if (depth >= MAX_ANY_VALUE_DEPTH) return null;
    return attributes(v.kvlistValue.values, depth + 1);
  }
  // A copy: the decoded view would keep the whole request buffer alive, and a plain
  // Uint8Array is what both encodings give.
  if (v.bytesValue != null) return new Uint8Array(v.bytesValue);
  return null;
}

export function attributes(kvs: readonly RawKeyValue[] | null | undefined, depth = 0): Attributes {
  const out: Attributes = {};
  if (!kvs) return out;
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    const key = kv.key ?? '';
    const value = anyValue(kv.value, depth);
    // A plain assignment to "__proto__" would set the prototype instead of a key.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

const EMPTY_RESOURCE_ATTRIBUTES: readonly RawKeyValue[] = [];

export function resource(r: RawResource | null | undefined): Resource {
  return {
    attributes: attributes(r ? r.attributes : EMPTY_RESOURCE_ATTRIBUTES),
    droppedAttributesCount: (r && r.droppedAttributesCount) || 0,
  };
}

export function scope(s: RawScope | null | undefined): InstrumentationScope {
  if (!s) return { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
  return {
    name: s.name ?? '',
    version: s.version ?? '',
    attributes: attributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount || 0,
  };
}
