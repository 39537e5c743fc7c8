/** OTLP AnyValues → the text stored in String and Map(String, String) columns. */
import type { AnyValue, Attributes } from '@meridian/otlp';

/**
 * JSON text of an AnyValue, as OTLP/JSON would write the value itself: int64 as a bare
 * (exact) number, bytes as a base64 string, NaN/±Infinity as strings, kvlists as objects.
 */
export function anyValueJson(v: AnyValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : `"${v}"`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
  }
  if (v instanceof Uint8Array) return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`;
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + anyValueJson(v[i]);
    return s + ']';
  }
  let s = '{';
  let first = true;
  for (const key in v) {
    s += (first ? '' : ',') + JSON.stringify(key) + ':' + anyValueJson(v[key]);
    first = false;
  }
  return s + '}';
}

/** Strings as they are, an empty value as '', anything else as its JSON text (see anyValueJson). */
export function anyValueText(v: AnyValue | undefined): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return anyValueJson(v);
}

/** Attributes → a Map(String, String) column value. */
export function flattenAttributes(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in attributes) setText(out, key, textOf(attributes[key]));
  return out;
}

/** anyValueText, with the common case (a string) first. */
export function textOf(v: AnyValue | undefined): string {
  return typeof v === 'string' ? v : anyValueText(v);
}

/** One key of a flattened attribute map. */
export function setText(out: Record<string, string>, key: string, text: string): void {
  // A plain assignment to "__proto__" would set the prototype instead of a key.
  if (key === '__proto__') Object.defineProperty(out, key, { value: text, enumerable: true, writable: true, configurable: true });
  else out[key] = text;
}

/** What every row takes from its resource: the service (`unknown_service` when unnamed), the host and all resource attributes. */
export function resourceColumns(res: Attributes): { service: string; hostName: string; resourceAttributes: Record<string, string> } {
  return { service: attrText(res, 'service.name') || 'unknown_service', hostName: attrText(res, 'host.name'), resourceAttributes: flattenAttributes(res) };
}

/** The first of `keys` present (semantic conventions: stable name first, then the old one) as text; '' when none. */
export function attrText(attributes: Attributes, key: string, oldKey?: string): string {
  let v = attributes[key];
  if ((v === undefined || v === null) && oldKey !== undefined) v = attributes[oldKey];
  return anyValueText(v);
}

/**
 * An unsigned integer attribute value (int, double, or numeric string) for a UInt column of at
 * most `max`; 0 when absent, not an integer, or out of 0..max (-1, 200.5, "1e300": the column
 * cannot hold them, and a wrong value must not fail the whole insert).
 */
export function uintValue(v: AnyValue | undefined, max: number): number {
  if (typeof v === 'bigint') return v >= 0n && v <= BigInt(max) ? Number(v) : 0;
  if (typeof v === 'number') return uint(v, max);
  if (typeof v === 'string' && v !== '') return uint(Number(v), max);
  return 0;
}

/** `n` when it is an integer in 0..max, else 0: what a UInt column of that width can hold. */
export function uint(n: number, max: number): number {
  return Number.isInteger(n) && n >= 0 && n <= max ? n : 0;
}

export const UINT8_MAX = 0xff;
export const UINT16_MAX = 0xffff;
export const UINT32_MAX = 0xffffffff;
