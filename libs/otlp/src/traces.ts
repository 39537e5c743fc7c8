import { ExportTraceServiceRequest, type RawSpan, type RawTracesRequest } from './proto';
import type { DecodedTraces, OtlpEncoding, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink } from './types';
import { attributes, bytesToHex, isAllZero, resource, scope, uint64ToBigInt } from './values';
import { decodeJson, decodeProtobuf, eachObject, hexIdsToBytes, Rejections } from './wire';
import { idProblem, parentIdProblem } from './ids';

const TYPE_NAME = 'ExportTraceServiceRequest';

/**
 * Decodes an ExportTraceServiceRequest; `rejected` counts spans. Invalid items are dropped and counted with a reason naming their path;
 * a payload that cannot be read at all throws OtlpDecodeError. gRPC requests are protobuf bytes:
 * pass them with encoding 'protobuf'.
 */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding): DecodedTraces {
  const raw =
    encoding === 'json'
      ? decodeJson(body, ExportTraceServiceRequest, TYPE_NAME, prepareJsonIds)
      : decodeProtobuf(body, ExportTraceServiceRequest, TYPE_NAME);
  return normalizeTraces(raw, encoding === 'json');
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

function normalizeTraces(raw: RawTracesRequest, json: boolean): DecodedTraces {
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
        const span = normalizeSpan(rawSpans[i], json);
        if (typeof span === 'string') rejections.add(1, `resourceSpans[${ri}].scopeSpans[${si}].spans[${i}].${span}`);
        else spans.push(span);
      }
      scopeSpans[si] = { scope: scope(rss.scope), schemaUrl: rss.schemaUrl ?? '', spans };
    }
    resourceSpans[ri] = { resource: resource(rrs.resource), schemaUrl: rrs.schemaUrl ?? '', scopeSpans };
  }
  return { resourceSpans, rejected: rejections.count, rejectReasons: rejections.reasons };
}

/** The normalized span, or why it is rejected ("<field>: <problem>", relative to the span). */
function normalizeSpan(s: RawSpan, json: boolean): Span | string {
  const traceId = s.traceId;
  const spanId = s.spanId;
  let problem = idProblem(traceId, 16, json);
  if (problem !== null) return 'traceId: ' + problem;
  problem = idProblem(spanId, 8, json);
  if (problem !== null) return 'spanId: ' + problem;
  problem = parentIdProblem(s.parentSpanId, json);
  if (problem !== null) return 'parentSpanId: ' + problem;
  const start = uint64ToBigInt(s.startTimeUnixNano);
  const end = uint64ToBigInt(s.endTimeUnixNano);
  if (start === 0n) return 'startTimeUnixNano: missing';
  if (end < start) return 'endTimeUnixNano: before startTimeUnixNano';

  const rawLinks = s.links;
  const links: SpanLink[] = new Array(rawLinks.length);
  for (let i = 0; i < rawLinks.length; i++) {
    const l = rawLinks[i];
    const p = idProblem(l.traceId, 16, json);
    if (p !== null) return `links[${i}].traceId: ${p}`;
    const q = idProblem(l.spanId, 8, json);
    if (q !== null) return `links[${i}].spanId: ${q}`;
    links[i] = {
      traceId: bytesToHex(l.traceId as Uint8Array),
      spanId: bytesToHex(l.spanId as Uint8Array),
      traceState: l.traceState ?? '',
      attributes: attributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount || 0,
      flags: l.flags || 0,
    };
  }

  const rawEvents = s.events;
  const events: SpanEvent[] = new Array(rawEvents.length);
  for (let i = 0; i < rawEvents.length; i++) {
    const e = rawEvents[i];
    events[i] = {
      timeUnixNano: uint64ToBigInt(e.timeUnixNano),
      name: e.name ?? '',
      attributes: attributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount || 0,
    };
  }

  const parent = s.parentSpanId;
  const status = s.status;
  return {
    traceId: bytesToHex(traceId as Uint8Array),
    spanId: bytesToHex(spanId as Uint8Array),
    parentSpanId: parent && parent.length === 8 && !isAllZero(parent) ? bytesToHex(parent) : '',
    traceState: s.traceState ?? '',
    flags: s.flags || 0,
    name: s.name ?? '',
    kind: s.kind || 0,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount || 0,
    events,
    droppedEventsCount: s.droppedEventsCount || 0,
    links,
    droppedLinksCount: s.droppedLinksCount || 0,
    status: status ? { code: status.code || 0, message: status.message ?? '' } : { code: 0, message: '' },
  };
}
