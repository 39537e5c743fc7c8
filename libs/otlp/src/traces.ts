import { ExportTraceServiceRequest, type RawEvent, type RawLink, type RawSpan, type RawTracesRequest } from './proto';
import type { DecodedTraces, OtlpEncoding, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink } from './types';
import { type DecodeOptions, ItemRules } from './limits';
import { attributes, bytesToHex, droppedAttributes, enumNumber, isAllZero, resource, scope, uint64ToBigInt, withWellFormedStrings } from './values';
import { decodeJson, decodeProtobuf, eachObject, hexIdsToBytes, Rejections } from './wire';
import { idProblem, parentIdProblem } from './ids';

const TYPE_NAME = 'ExportTraceServiceRequest';
export const MAX_KIND = 5;
export const MAX_STATUS_CODE = 2;

/**
 * Decodes an ExportTraceServiceRequest; `rejected` counts spans. The item is the span: a span
 * with an unusable field (ids, a time outside what can be stored or outside the accepted
 * window, an event time that cannot be stored) is dropped whole and counted with a reason
 * naming its path. Per-item limits (attributes, attribute value length, events, links) cut
 * the span but keep it; `truncated` counts the cuts. A payload that cannot be read at all
 * throws OtlpDecodeError. gRPC requests are protobuf bytes: pass them with encoding 'protobuf'.
 */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding, options?: DecodeOptions): DecodedTraces {
  const raw =
    encoding === 'json'
      ? decodeJson(body, ExportTraceServiceRequest, TYPE_NAME, withWellFormedStrings(body, prepareJsonIds))
      : decodeProtobuf(body, ExportTraceServiceRequest, TYPE_NAME);
  return normalizeTraces(raw, encoding === 'json', new ItemRules(options));
}

function prepareJsonIds(request: Record<string, unknown>): void {
  eachObject(request, 'resourceSpans', (rs) =>
    eachObject(rs, 'scopeSpans', (ss) =>
      eachObject(ss, 'spans', (span) => {
        hexIdsToBytes(span, 'traceId', 'spanId', 'parentSpanId');
        eachObject(span, 'links', (link) => hexIdsToBytes(link, 'traceId', 'spanId'));
      }),
    ),
  );
}

function normalizeTraces(raw: RawTracesRequest, json: boolean, rules: ItemRules): DecodedTraces {
  const rejections = new Rejections();
  const rawResourceSpans = raw.resourceSpans;
  const resourceSpans: ResourceSpans[] = new Array(rawResourceSpans.length);
  for (let ri = 0; ri < rawResourceSpans.length; ri++) {
    const rrs = rawResourceSpans[ri];
    const rawScopeSpans = rrs.scopeSpans;
    const scopeSpans: ScopeSpans[] = new Array(rawScopeSpans.length);
    for (let si = 0; si < rawScopeSpans.length; si++) {
      const rss = rawScopeSpans[si];
      const rawSpans = rss.spans;
      const spans: Span[] = [];
      for (let i = 0; i < rawSpans.length; i++) {
        const span = normalizeSpan(rawSpans[i], json, rules);
        if (typeof span === 'string') rejections.add(1, `resourceSpans[${ri}].scopeSpans[${si}].spans[${i}].${span}`);
        else spans.push(span);
      }
      scopeSpans[si] = { scope: scope(rss.scope, rules), schemaUrl: rss.schemaUrl ?? '', spans };
    }
    resourceSpans[ri] = { resource: resource(rrs.resource, rules), schemaUrl: rrs.schemaUrl ?? '', scopeSpans };
  }
  return { resourceSpans, rejected: rejections.count, rejectReasons: rejections.reasons, truncated: rules.truncated };
}

/** The normalized span, or why it is rejected ("<field>: <problem>", relative to the span). */
function normalizeSpan(s: RawSpan, json: boolean, rules: ItemRules): Span | string {
  const start = uint64ToBigInt(s.startTimeUnixNano);
  const end = uint64ToBigInt(s.endTimeUnixNano);
  const problem = spanProblem(s.traceId, s.spanId, s.parentSpanId, start, end, json, rules);
  if (problem !== null) return problem;
  const eventsAndLinks = spanEventsAndLinks(s.events, s.links, json, rules);
  if (typeof eventsAndLinks === 'string') return eventsAndLinks;
  const { events, links } = eventsAndLinks;

  const parent = s.parentSpanId;
  const status = s.status;
  return {
    traceId: bytesToHex(s.traceId as Uint8Array),
    spanId: bytesToHex(s.spanId as Uint8Array),
    parentSpanId: parentSpanHex(parent),
    traceState: s.traceState ?? '',
    flags: s.flags || 0,
    name: s.name ?? '',
    kind: enumNumber(s.kind, MAX_KIND),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attributes(s.attributes, rules),
    droppedAttributesCount: droppedAttributes(s.droppedAttributesCount, s.attributes, rules),
    events,
    droppedEventsCount: Math.min((s.droppedEventsCount || 0) + s.events.length - events.length, 0xffffffff),
    links,
    droppedLinksCount: Math.min((s.droppedLinksCount || 0) + s.links.length - links.length, 0xffffffff),
    status: status ? { code: enumNumber(status.code, MAX_STATUS_CODE), message: status.message ?? '' } : { code: 0, message: '' },
  };
}

/** The parent span id as hex; '' for none (absent, or all zeros). */
function parentSpanHex(parent: Uint8Array | null | undefined): string {
  return hasParent(parent) ? bytesToHex(parent) : '';
}

/** Whether a (valid) parent span id names a parent: absent and all zeros mean a root span. */
export function hasParent(parent: Uint8Array | null | undefined): parent is Uint8Array {
  return !!parent && parent.length === 8 && !isAllZero(parent);
}

/** Why a span's ids or times make it unusable ("<field>: <problem>"), or null. */
export function spanProblem(
  traceId: Uint8Array | null,
  spanId: Uint8Array | null,
  parentSpanId: Uint8Array | null,
  start: bigint,
  end: bigint,
  json: boolean,
  rules: ItemRules,
): string | null {
  let problem = idProblem(traceId, 16, json);
  if (problem !== null) return 'traceId: ' + problem;
  problem = idProblem(spanId, 8, json);
  if (problem !== null) return 'spanId: ' + problem;
  problem = parentIdProblem(parentSpanId, json);
  if (problem !== null) return 'parentSpanId: ' + problem;
  if (start === 0n) return 'startTimeUnixNano: missing';
  problem = rules.windowProblem('startTimeUnixNano', start) ?? rules.windowProblem('endTimeUnixNano', end);
  if (problem !== null) return problem;
  if (end < start) return 'endTimeUnixNano: before startTimeUnixNano';
  return null;
}

/**
 * A span's events and links, cut to the per-span limits (the cuts are counted), or why the span
 * is rejected: everything that rejects it is checked before anything is built.
 */
export function spanEventsAndLinks(
  rawEvents: readonly RawEvent[],
  rawLinks: readonly RawLink[],
  json: boolean,
  rules: ItemRules,
): { events: SpanEvent[]; links: SpanLink[] } | string {
  const { maxLinksPerSpan, maxEventsPerSpan } = rules.limits;
  const linkCount = Math.min(rawLinks.length, maxLinksPerSpan);
  const eventCount = Math.min(rawEvents.length, maxEventsPerSpan);
  if (rawLinks.length === 0 && rawEvents.length === 0) return { events: [], links: [] };
  for (let i = 0; i < linkCount; i++) {
    const p = idProblem(rawLinks[i].traceId, 16, json);
    if (p !== null) return `links[${i}].traceId: ${p}`;
    const q = idProblem(rawLinks[i].spanId, 8, json);
    if (q !== null) return `links[${i}].spanId: ${q}`;
  }
  const eventTimes: bigint[] = new Array(eventCount);
  for (let i = 0; i < eventCount; i++) {
    const time = uint64ToBigInt(rawEvents[i].timeUnixNano);
    const p = rules.rangeProblem(`events[${i}].timeUnixNano`, time);
    if (p !== null) return p + ' (the whole span is rejected)';
    eventTimes[i] = time;
  }

  const links: SpanLink[] = new Array(linkCount);
  for (let i = 0; i < linkCount; i++) {
    const l = rawLinks[i];
    links[i] = {
      traceId: bytesToHex(l.traceId as Uint8Array),
      spanId: bytesToHex(l.spanId as Uint8Array),
      traceState: l.traceState ?? '',
      attributes: attributes(l.attributes, rules),
      droppedAttributesCount: droppedAttributes(l.droppedAttributesCount, l.attributes, rules),
      flags: l.flags || 0,
    };
  }
  const events: SpanEvent[] = new Array(eventCount);
  for (let i = 0; i < eventCount; i++) {
    const e = rawEvents[i];
    events[i] = {
      timeUnixNano: eventTimes[i],
      name: e.name ?? '',
      attributes: attributes(e.attributes, rules),
      droppedAttributesCount: droppedAttributes(e.droppedAttributesCount, e.attributes, rules),
    };
  }
  rules.truncated.events += rawEvents.length - eventCount;
  rules.truncated.links += rawLinks.length - linkCount;
  return { events, links };
}
