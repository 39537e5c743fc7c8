import { optionalIdProblem } from './ids';
import { ExportLogsServiceRequest, type RawLogRecord, type RawLogsRequest } from './proto';
import type { DecodedLogs, LogRecord, OtlpEncoding, ResourceLogs, ScopeLogs } from './types';
import { anyValue, attributes, bytesToHex, isAllZero, resource, scope, uint64ToBigInt } from './values';
import { decodeJson, decodeProtobuf, eachObject, hexIdsToBytes, Rejections } from './wire';

const TYPE_NAME = 'ExportLogsServiceRequest';

/**
 * Decodes an ExportLogsServiceRequest; `rejected` counts log records. Invalid items are dropped and counted with a reason naming their path;
 * a payload that cannot be read at all throws OtlpDecodeError. gRPC requests are protobuf bytes:
 * pass them with encoding 'protobuf'.
 */
export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding): DecodedLogs {
  const raw =
    encoding === 'json'
      ? decodeJson(body, ExportLogsServiceRequest, TYPE_NAME, prepareJsonIds)
      : decodeProtobuf(body, ExportLogsServiceRequest, TYPE_NAME);
  return normalizeLogs(raw, encoding === 'json');
}

function prepareJsonIds(request: Record<string, unknown>): void {
  eachObject(request, 'resourceLogs', (rl) =>
    eachObject(rl, 'scopeLogs', (sl) => eachObject(sl, 'logRecords', (record) => hexIdsToBytes(record, 'traceId', 'spanId'))),
  );
}

function normalizeLogs(raw: RawLogsRequest, json: boolean): DecodedLogs {
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
        const record = normalizeLogRecord(rawRecords[i], json);
        if (typeof record === 'string') rejections.add(1, `resourceLogs[${ri}].scopeLogs[${si}].logRecords[${i}].${record}`);
        else logRecords.push(record);
      }
      scopeLogs[si] = { scope: scope(rsl.scope), schemaUrl: rsl.schemaUrl ?? '', logRecords };
    }
    resourceLogs[ri] = { resource: resource(rrl.resource), schemaUrl: rrl.schemaUrl ?? '', scopeLogs };
  }
  return { resourceLogs, rejected: rejections.count, rejectReasons: rejections.reasons };
}

/** An optional id: absent or all zeros → ''. */
function optionalHex(id: Uint8Array | null): string {
  return id && id.length > 0 && !isAllZero(id) ? bytesToHex(id) : '';
}

/**
 * The normalized record, or why it is rejected. Ids are optional in logs; a record needs at
 * least one of its two times (a collector sets observedTimeUnixNano when the source had none).
 */
function normalizeLogRecord(r: RawLogRecord, json: boolean): LogRecord | string {
  const traceProblem = optionalIdProblem(r.traceId, 16, json);
  if (traceProblem !== null) return 'traceId: ' + traceProblem;
  const spanProblem = optionalIdProblem(r.spanId, 8, json);
  if (spanProblem !== null) return 'spanId: ' + spanProblem;
  const time = uint64ToBigInt(r.timeUnixNano);
  const observed = uint64ToBigInt(r.observedTimeUnixNano);
  if (time === 0n && observed === 0n) return 'timeUnixNano: missing, and observedTimeUnixNano is not set either';
  return {
    timeUnixNano: time,
    observedTimeUnixNano: observed,
    severityNumber: r.severityNumber || 0,
    severityText: r.severityText ?? '',
    body: anyValue(r.body),
    attributes: attributes(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount || 0,
    flags: r.flags || 0,
    traceId: optionalHex(r.traceId),
    spanId: optionalHex(r.spanId),
    eventName: r.eventName ?? '',
  };
}
