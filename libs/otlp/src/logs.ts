import { optionalIdProblem } from './ids';
import { ExportLogsServiceRequest, type RawLogRecord, type RawLogsRequest } from './proto';
import type { DecodedLogs, LogRecord, OtlpEncoding, ResourceLogs, ScopeLogs } from './types';
import { type DecodeOptions, ItemRules } from './limits';
import { anyValue, attributes, bytesToHex, droppedAttributes, enumNumber, isAllZero, resource, scope, uint64ToBigInt, withWellFormedStrings } from './values';
import { decodeJson, decodeProtobuf, eachObject, hexIdsToBytes, Rejections } from './wire';

const TYPE_NAME = 'ExportLogsServiceRequest';

const MAX_SEVERITY = 24;

/**
 * Decodes an ExportLogsServiceRequest; `rejected` counts log records. The item is the log
 * record: one with a malformed id, a time that cannot be stored, or a time outside the
 * accepted window is dropped and counted with a reason naming its path. Per-item limits
 * (attributes, attribute value length) cut a record but keep it; `truncated` counts the cuts.
 * A payload that cannot be read at all throws OtlpDecodeError. gRPC requests are protobuf
 * bytes: pass them with encoding 'protobuf'.
 */
export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding, options?: DecodeOptions): DecodedLogs {
  const raw =
    encoding === 'json'
      ? decodeJson(body, ExportLogsServiceRequest, TYPE_NAME, withWellFormedStrings(body, prepareJsonIds))
      : decodeProtobuf(body, ExportLogsServiceRequest, TYPE_NAME);
  return normalizeLogs(raw, encoding === 'json', new ItemRules(options));
}

function prepareJsonIds(request: Record<string, unknown>): void {
  eachObject(request, 'resourceLogs', (rl) =>
    eachObject(rl, 'scopeLogs', (sl) => eachObject(sl, 'logRecords', (record) => hexIdsToBytes(record, 'traceId', 'spanId'))),
  );
}

function normalizeLogs(raw: RawLogsRequest, json: boolean, rules: ItemRules): DecodedLogs {
  const rejections = new Rejections();
  const rawResourceLogs = raw.resourceLogs;
  const resourceLogs: ResourceLogs[] = new Array(rawResourceLogs.length);
  for (let ri = 0; ri < rawResourceLogs.length; ri++) {
    const rrl = rawResourceLogs[ri];
    const rawScopeLogs = rrl.scopeLogs;
    const scopeLogs: ScopeLogs[] = new Array(rawScopeLogs.length);
    for (let si = 0; si < rawScopeLogs.length; si++) {
      const rsl = rawScopeLogs[si];
      const rawRecords = rsl.logRecords;
      const logRecords: LogRecord[] = [];
      for (let i = 0; i < rawRecords.length; i++) {
        const record = normalizeLogRecord(rawRecords[i], json, rules);
        if (typeof record === 'string') rejections.add(1, `resourceLogs[${ri}].scopeLogs[${si}].logRecords[${i}].${record}`);
        else logRecords.push(record);
      }
      scopeLogs[si] = { scope: scope(rsl.scope, rules), schemaUrl: rsl.schemaUrl ?? '', logRecords };
    }
    resourceLogs[ri] = { resource: resource(rrl.resource, rules), schemaUrl: rrl.schemaUrl ?? '', scopeLogs };
  }
  return { resourceLogs, rejected: rejections.count, rejectReasons: rejections.reasons, truncated: rules.truncated };
}

/** An optional id: absent or all zeros → ''. */
function optionalHex(id: Uint8Array | null): string {
  return id && id.length > 0 && !isAllZero(id) ? bytesToHex(id) : '';
}

/**
 * The normalized record, or why it is rejected. Ids are optional in logs. Times, as OTLP
 * says: no observed time → the time; no time → the observed time stands in (kept 0 here,
 * the row uses the observed time); neither → the receive time becomes the observed time.
 * The time that stands for the record must lie in the accepted window; the other only has to
 * be storable.
 */
function normalizeLogRecord(r: RawLogRecord, json: boolean, rules: ItemRules): LogRecord | string {
  const traceProblem = optionalIdProblem(r.traceId, 16, json);
  if (traceProblem !== null) return 'traceId: ' + traceProblem;
  const spanProblem = optionalIdProblem(r.spanId, 8, json);
  if (spanProblem !== null) return 'spanId: ' + spanProblem;
  const time = uint64ToBigInt(r.timeUnixNano);
  let observed = uint64ToBigInt(r.observedTimeUnixNano);
  if (time !== 0n) {
    const p = rules.windowProblem('timeUnixNano', time) ?? rules.rangeProblem('observedTimeUnixNano', observed);
    if (p !== null) return p;
  } else if (observed !== 0n) {
    const p = rules.windowProblem('observedTimeUnixNano (the record has no timeUnixNano)', observed);
    if (p !== null) return p;
  } else {
    observed = rules.nowNanos;
  }
  return {
    timeUnixNano: time,
    observedTimeUnixNano: observed,
    severityNumber: enumNumber(r.severityNumber, MAX_SEVERITY),
    severityText: r.severityText ?? '',
    body: anyValue(r.body),
    attributes: attributes(r.attributes, rules),
    droppedAttributesCount: droppedAttributes(r.droppedAttributesCount, r.attributes, rules),
    flags: r.flags || 0,
    traceId: optionalHex(r.traceId),
    spanId: optionalHex(r.spanId),
    eventName: r.eventName ?? '',
  };
}
