/**
 * One pass over a protobuf ExportTraceServiceRequest: each span's fields and attributes are
 * handed to a sink as they are read, with no message objects built for spans, attributes or
 * values (decodeTraces builds three layers of them, and the garbage they leave was a third of
 * intake's CPU). It gives exactly what decodeTraces gives, or nothing: a request with anything
 * it does not reproduce exactly — a rejected span, a cut (attributes, values, events, links), a
 * duplicate or integer-like attribute key (an object orders those differently), fields out of
 * their usual order, an unexpected wire type, bytes that cannot be read — makes it return false,
 * and the caller decodes the request with decodeTraces instead, which rejects, cuts and reports.
 * Resources, scopes, events, links and nested values are rare per span and go through the same
 * generated decoders and normalization as decodeTraces.
 */
import { ItemRules, type DecodeOptions } from './limits';
import { AnyValueCodec, type RawEvent, type RawLink, ResourceCodec, ScopeCodec, SpanEventCodec, SpanLinkCodec } from './proto';
import { OtlpReader } from './reader';
import { hasParent, MAX_KIND, MAX_STATUS_CODE, spanEventsAndLinks, spanProblem } from './traces';
import type { AnyValue, Attributes, Span, SpanEvent, SpanLink } from './types';
import { anyValue, enumNumber, int64ToBigInt, limitString, resource, scope } from './values';

/** A span as the sink receives it (its attributes came before, one attribute() call each). */
export type StreamedSpan = Pick<
  Span,
  'traceId' | 'spanId' | 'parentSpanId' | 'traceState' | 'name' | 'kind' | 'startTimeUnixNano' | 'endTimeUnixNano' | 'events' | 'links' | 'status'
>;

/** Receives a request in wire order. Whatever it received is void when streamTraces returns false. */
export interface SpanSink {
  /** The resource attributes of the spans that follow. */
  resource(attributes: Attributes): void;
  scope(name: string, version: string): void;
  /** One attribute of the span being read; keys are unique within a span. */
  attribute(key: string, value: AnyValue): void;
  /** The span whose attributes were just given; the object is reused for the next span. */
  span(span: StreamedSpan): void;
}

const LEN = 2;
const VARINT = 0;
const I64 = 1;
const I32 = 5;
/** The attribute-key count up to which duplicates are found by comparing with each earlier key. */
const LINEAR_KEY_CHECK = 16;
const NO_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;
/** Most spans have neither: one shared value (the sink reads it, never writes it). */
const NO_EVENTS_OR_LINKS = Object.freeze({ events: Object.freeze([]) as unknown as SpanEvent[], links: Object.freeze([]) as unknown as SpanLink[] });

/** Thrown inside the pass for "take decodeTraces"; never leaves this file. */
class Irregular extends Error {}
const IRREGULAR = new Irregular();

/**
 * Streams the request's spans into `sink`; false when the caller must use decodeTraces (see
 * the file comment). Never throws for bad input.
 */
export function streamTraces(body: Uint8Array, options: DecodeOptions | undefined, sink: SpanSink): boolean {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const pass = new TracePass(new OtlpReader(buf), new ItemRules(options), sink);
  try {
    pass.request();
  } catch {
    return false; // Irregular, or bytes protobufjs cannot read: decodeTraces says why
  }
  const t = pass.rules.truncated;
  return t.attributes === 0 && t.attributeValues === 0 && t.events === 0 && t.links === 0;
}

class TracePass {
  private readonly span: StreamedSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    events: [],
    links: [],
    status: { code: 0, message: '' },
  };
  private readonly keys: string[] = [];
  private readonly keySet = new Set<string>();

  constructor(
    private readonly r: OtlpReader,
    readonly rules: ItemRules,
    private readonly sink: SpanSink,
  ) {}

  request(): void {
    const r = this.r;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) this.leave(this.resourceSpans(this.enter(tag)));
      else this.skip(tag);
    }
  }

  /** An embedded message's end, from its length. */
  private enter(tag: number): number {
    if ((tag & 7) !== LEN) throw IRREGULAR;
    const r = this.r;
    const end = r.uint32() + r.pos;
    if (end > r.len) throw IRREGULAR;
    return end;
  }

  /** An embedded message must end on its boundary (protobufjs would read on past it). */
  private leave(end: number): void {
    if (this.r.pos !== end) throw IRREGULAR;
  }

  /** An embedded message read by its generated decoder (the same one decodeTraces runs). */
  private generated<T>(tag: number, codec: { decode(r: OtlpReader, length: number): T }): T {
    const end = this.enter(tag);
    const message = codec.decode(this.r, end - this.r.pos);
    this.leave(end);
    return message;
  }

  private skip(tag: number): void {
    if (tag >>> 3 === 0) throw IRREGULAR;
    this.r.skipType(tag & 7);
  }

  private resourceSpans(end: number): number {
    return this.group(
      end,
      (tag) => this.sink.resource(resource(this.generated(tag, ResourceCodec), this.rules).attributes),
      () => this.sink.resource(NO_ATTRIBUTES),
      (childEnd) => this.scopeSpans(childEnd),
    );
  }

  private scopeSpans(end: number): number {
    return this.group(
      end,
      (tag) => {
        const s = scope(this.generated(tag, ScopeCodec), this.rules);
        this.sink.scope(s.name, s.version);
      },
      () => this.sink.scope('', ''),
      (childEnd) => this.readSpan(childEnd),
    );
  }

  /**
   * ResourceSpans and ScopeSpans: { header = 1; repeated child = 2; string schema_url = 3 }. The
   * header must come before the children: decodeTraces gives every child the last header.
   */
  private group(end: number, header: (tag: number) => void, noHeader: () => void, child: (end: number) => number): number {
    const r = this.r;
    let children = 0;
    let headed = false;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          if (children > 0) throw IRREGULAR;
          header(tag);
          headed = true;
          break;
        case 2:
          if (!headed) {
            noHeader();
            headed = true;
          }
          children++;
          this.leave(child(this.enter(tag)));
          break;
        case 3:
          this.string(tag);
          break;
        default:
          this.skip(tag);
      }
    }
    return end;
  }

  private string(tag: number): string {
    if ((tag & 7) !== LEN) throw IRREGULAR;
    return this.r.string();
  }

  private bytes(tag: number): Uint8Array {
    if ((tag & 7) !== LEN) throw IRREGULAR;
    return this.r.bytes();
  }

  private readSpan(end: number): number {
    const r = this.r;
    const rules = this.rules;
    const keys = this.keys;
    keys.length = 0;
    let traceId: Uint8Array | null = null;
    let spanId: Uint8Array | null = null;
    let parentSpanId: Uint8Array | null = null;
    let traceState = '';
    let name = '';
    let kind = 0;
    let start = 0n;
    let finish = 0n;
    let events: RawEvent[] | null = null;
    let links: RawLink[] | null = null;
    let statusCode = 0;
    let statusMessage = '';
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1:
          traceId = this.bytes(tag);
          break;
        case 2:
          spanId = this.bytes(tag);
          break;
        case 3:
          traceState = this.string(tag);
          break;
        case 4:
          parentSpanId = this.bytes(tag);
          break;
        case 5:
          name = this.string(tag);
          break;
        case 6:
          if ((tag & 7) !== VARINT) throw IRREGULAR;
          kind = r.int32();
          break;
        case 7:
          if ((tag & 7) !== I64) throw IRREGULAR;
          start = r.fixed64() as unknown as bigint; // OtlpReader reads fixed64 as bigint
          break;
        case 8:
          if ((tag & 7) !== I64) throw IRREGULAR;
          finish = r.fixed64() as unknown as bigint;
          break;
        case 9:
          this.leave(this.keyValue(this.enter(tag)));
          break;
        case 11:
          (events ??= []).push(this.generated(tag, SpanEventCodec));
          break;
        case 13:
          (links ??= []).push(this.generated(tag, SpanLinkCodec));
          break;
        case 15: {
          // Status { string message = 2; StatusCode code = 3; }: a second one replaces the first.
          statusCode = 0;
          statusMessage = '';
          const statusEnd = this.enter(tag);
          while (r.pos < statusEnd) {
            const t = r.uint32();
            if (t >>> 3 === 2) statusMessage = this.string(t);
            else if (t >>> 3 === 3) {
              if ((t & 7) !== VARINT) throw IRREGULAR;
              statusCode = r.int32();
            } else this.skip(t);
          }
          this.leave(statusEnd);
          break;
        }
        case 16:
          if ((tag & 7) !== I32) throw IRREGULAR;
          r.fixed32(); // flags: not stored
          break;
        case 10: // dropped attributes, events and links counts: not stored
        case 12:
        case 14:
          if ((tag & 7) !== VARINT) throw IRREGULAR;
          r.uint32();
          break;
        default:
          this.skip(tag);
      }
    }
    if (spanProblem(traceId, spanId, parentSpanId, start, finish, false, rules) !== null) throw IRREGULAR;
    const eventsAndLinks = events === null && links === null ? NO_EVENTS_OR_LINKS : spanEventsAndLinks(events ?? [], links ?? [], false, rules);
    if (typeof eventsAndLinks === 'string') throw IRREGULAR;
    const t = rules.truncated;
    if (t.attributeValues !== 0 || t.attributes !== 0 || t.events !== 0 || t.links !== 0) throw IRREGULAR;

    const span = this.span;
    span.traceId = r.hexOf(traceId as Uint8Array);
    span.spanId = r.hexOf(spanId as Uint8Array);
    span.parentSpanId = hasParent(parentSpanId) ? r.hexOf(parentSpanId) : '';
    span.traceState = traceState;
    span.name = name;
    span.kind = enumNumber(kind, MAX_KIND);
    span.startTimeUnixNano = start;
    span.endTimeUnixNano = finish;
    span.events = eventsAndLinks.events;
    span.links = eventsAndLinks.links;
    span.status.code = enumNumber(statusCode, MAX_STATUS_CODE);
    span.status.message = statusMessage;
    this.sink.span(span);
    return end;
  }

  /** KeyValue { string key = 1; AnyValue value = 2; } of a span, handed to the sink. */
  private keyValue(end: number): number {
    const r = this.r;
    let key = '';
    let value: AnyValue = null;
    let seenValue = false;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) key = this.string(tag);
      else if (tag >>> 3 === 2) {
        if (seenValue) throw IRREGULAR;
        seenValue = true;
        const valueEnd = this.enter(tag);
        value = this.anyValue(valueEnd);
        this.leave(valueEnd);
      } else this.skip(tag);
    }
    this.addKey(key);
    this.sink.attribute(key, value);
    return end;
  }

  /** Keys must be unique and not array indexes, or an object (what decodeTraces builds) would hold them in another order. */
  private addKey(key: string): void {
    const c = key.charCodeAt(0);
    if (c >= 48 && c <= 57) throw IRREGULAR;
    const keys = this.keys;
    if (keys.length === this.rules.limits.maxAttributesPerItem) throw IRREGULAR; // decodeTraces would cut
    if (keys.length < LINEAR_KEY_CHECK) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === key) throw IRREGULAR;
      keys.push(key);
      if (keys.length === LINEAR_KEY_CHECK) {
        this.keySet.clear();
        for (const k of keys) this.keySet.add(k);
      }
      return;
    }
    if (this.keySet.has(key)) throw IRREGULAR;
    this.keySet.add(key);
    keys.push(key);
  }

  /**
   * A one-field AnyValue of a scalar (string, bool, int, double) is read here; anything else
   * (bytes, arrays, kvlists, several fields) through the generated decoder and anyValue(), as
   * decodeTraces reads it.
   */
  private anyValue(end: number): AnyValue {
    const r = this.r;
    const start = r.pos;
    if (start === end) return null;
    const tag = r.uint32();
    let v: AnyValue | undefined;
    switch (tag) {
      case (1 << 3) | LEN:
        v = limitString(r.string(), this.rules);
        break;
      case (2 << 3) | VARINT:
        v = r.bool();
        break;
      case (3 << 3) | VARINT:
        v = int64ToBigInt(r.int64());
        break;
      case (4 << 3) | I64:
        v = r.double();
        break;
    }
    if (v !== undefined && r.pos === end) return v;
    r.pos = start;
    return anyValue(AnyValueCodec.decode(r, end - start), this.rules);
  }
}
