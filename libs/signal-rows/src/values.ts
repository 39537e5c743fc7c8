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
  for (const key in attributes) {
    const v = attributes[key];
    const text = typeof v === 'string' ? v : anyValueText(v);
    // A plain assignment to "__proto__" would set the prototype instead of a key.
    if (key === '__proto__') Object.defineProperty(out, key, { value: text, enumerable: true, writable: true, configurable: true });
    else out[key] = text;
  }
  return out;
}

/** The first of `keys` present (semantic conventions: stable name first, then the old one) as text; '' when none. */
export function attrText(attributes: Attributes, key: string, oldKey?: string): string {
  let v = attributes[key];
  if ((v === undefined || v === null) && oldKey !== undefined) v = attributes[oldKey];
  return anyValueText(v);
}

/** An integer attribute (int, double, or numeric string); 0 when absent or not a number. */
export function attrInt(attributes: Attributes, key: string, oldKey?: string): number {
  let v = attributes[key];
  if ((v === undefined || v === null) && oldKey !== undefined) v = attributes[oldKey];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? Math.trunc(n) : 0;
  }
  return 0;
}
