/**
 * From request bytes to protobufjs messages, for both encodings, and the bookkeeping of
 * rejected items. Whole-payload failures become OtlpDecodeError here.
 */
import { OtlpDecodeError } from './errors';
import type { MessageCodec } from './proto';
import { OtlpReader } from './reader';
import { hexToBytes } from './values';

/** At most this many reasons are kept for the partial-success message. */
const MAX_REASONS = 5;

/** Counts the items dropped by per-item validation and keeps the first few distinct reasons. */
export class Rejections {
  count = 0;
  readonly reasons: string[] = [];

  add(items: number, reason: string): void {
    this.count += items;
    if (this.reasons.length < MAX_REASONS && !this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function decodeProtobuf<T>(body: Uint8Array, codec: MessageCodec<T>, typeName: string): T {
  if (!(body instanceof Uint8Array)) throw new OtlpDecodeError(`${typeName}: expected protobuf bytes`);
  try {
    return codec.decode(new OtlpReader(asBuffer(body)));
  } catch (e) {
    throw new OtlpDecodeError(`invalid protobuf ${typeName}: ${describe(e)}`, { cause: e });
  }
}

type JsonObject = Record<string, unknown>;

/**
 * OTLP/JSON → protobufjs message. The generated `fromObject` does the OTLP/JSON mapping for
 * us (int64 as number or decimal string, enum names or numbers, base64 bytes values, unknown
 * fields ignored); before it runs we fix what differs from the canonical protobuf JSON mapping:
 * ids are hex (not base64), and proto snake_case field names are accepted too.
 * `prepare` converts the id fields of one signal in place.
 */
export function decodeJson<T>(body: Uint8Array, codec: MessageCodec<T>, typeName: string, prepare: (request: JsonObject) => void): T {
  if (!(body instanceof Uint8Array)) throw new OtlpDecodeError(`${typeName}: expected JSON bytes`);
  const text = quoteUnsafeIntegers(asBuffer(body).toString('utf8'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new OtlpDecodeError(`invalid JSON ${typeName}: ${describe(e)}`, { cause: e });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OtlpDecodeError(`invalid JSON ${typeName}: expected a JSON object at the top level`);
  }
  try {
    let request = parsed as JsonObject;
    if (SNAKE_CASE_KEY.test(text)) request = camelizeKeys(request) as JsonObject;
    prepare(request);
    return codec.fromObject(request);
  } catch (e) {
    throw new OtlpDecodeError(`invalid JSON ${typeName}: ${explainFromObjectError(e)}`, { cause: e });
  }
}

/** fromObject's errors, made readable for the client. */
function explainFromObjectError(e: unknown): string {
  const message = describe(e);
  // ".opentelemetry.proto.trace.v1.ResourceSpans.scopeSpans: array expected" → "ResourceSpans.scopeSpans: array expected"
  if (message.startsWith('.opentelemetry.proto.')) return message.replace(/^\.opentelemetry\.proto\.(?:[a-z]+\.)*v1\./, '');
  if (message.startsWith('Cannot read properties of null')) return 'null where a message (object) is expected';
  if (message === 'invalid encoding') return 'invalid base64 in a bytes field';
  return message;
}

// ------------------------------------------------------------------ exact 64-bit integers

/** A JSON number token with 16+ digits may be beyond 2^53; only then is the slow scan worth it. */
const LONG_NUMBER_TOKEN = /[:[,]\s*-?\d{16}/;

/**
 * JSON.parse turns 1700000000123456789 into 1700000000123456800 (Node 20 has no access to the
 * source text in revivers). OTLP/JSON allows int64 as numbers, so integer tokens outside
 * strings that are not safe integers are quoted before parsing; every int64 field accepts a
 * decimal string.
 */
export function quoteUnsafeIntegers(text: string): string {
  if (!LONG_NUMBER_TOKEN.test(text)) return text;
  const n = text.length;
  let out = '';
  let last = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      let integer = true;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) i++;
        else if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && i - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        out += text.slice(last, start) + '"' + text.slice(start, i) + '"';
        last = i;
      }
    } else {
      i++;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

// ------------------------------------------------------------------ snake_case field names

/**
 * An object key ending in "_word": some sender used the proto field names. (Cheap to test: the
 * scan anchors on "_"; attribute keys are JSON values, never keys, so they do not match.)
 */
const SNAKE_CASE_KEY = /_[a-z0-9]+"\s*:/;

function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

/** Renames snake_case keys to lowerCamelCase in place, recursively (a lowerCamelCase key wins over its snake_case twin). */
function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = camelizeKeys(value[i]);
    return value;
  }
  if (value === null || typeof value !== 'object') return value;
  const obj = value as JsonObject;
  for (const key of Object.keys(obj)) {
    const child = camelizeKeys(obj[key]);
    if (key.includes('_')) {
      const camel = toCamel(key);
      delete obj[key];
      if (!(camel in obj)) obj[camel] = child;
    } else {
      obj[key] = child;
    }
  }
  return obj;
}

// ------------------------------------------------------------------ hex ids

/** Each element of `parent[key]` that is an object, if it is an array. */
export function eachObject(parent: unknown, key: string, fn: (item: JsonObject) => void): void {
  if (parent === null || typeof parent !== 'object') return;
  const arr = (parent as JsonObject)[key];
  if (!Array.isArray(arr)) return;
  for (let i = 0; i < arr.length; i++) {
    const item: unknown = arr[i];
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) fn(item as JsonObject);
  }
}

/** OTLP/JSON ids are hex strings; the generated fromObject would read a string as base64. */
export function hexIdsToBytes(obj: JsonObject, key1: string, key2: string, key3?: string): void {
  const a = obj[key1];
  if (typeof a === 'string') obj[key1] = hexToBytes(a);
  const b = obj[key2];
  if (typeof b === 'string') obj[key2] = hexToBytes(b);
  if (key3 !== undefined) {
    const c = obj[key3];
    if (typeof c === 'string') obj[key3] = hexToBytes(c);
  }
}
