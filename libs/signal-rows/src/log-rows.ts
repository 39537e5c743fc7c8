import { type LogRow, nanosToDateTime64 } from '@meridian/domain';
import type { DecodedLogs } from '@meridian/otlp';
import { type RowContext, storableContext } from './row-context';
import { anyValueText, flattenAttributes, resourceColumns, uint, UINT32_MAX, UINT8_MAX } from './values';

/**
 * One row per log record. `ts` is the event time, or the observed time when the source did
 * not know it (OTLP allows that); `observed_ts` falls back the other way. Bodies: strings as
 * they are, other values as JSON (see anyValueJson), an empty body as ''.
 */
export function buildLogRows(decoded: DecodedLogs, context: RowContext): LogRow[] {
  const ctx = storableContext(context);
  const rows: LogRow[] = [];
  for (const rl of decoded.resourceLogs) {
    const { service, hostName, resourceAttributes } = resourceColumns(rl.resource.attributes);
    for (const sl of rl.scopeLogs) {
      const scopeName = sl.scope.name;
      for (const r of sl.logRecords) {
        const time = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
        const observed = r.observedTimeUnixNano !== 0n ? r.observedTimeUnixNano : r.timeUnixNano;
        rows.push({
          tenant_id: ctx.tenantId,
          ts: nanosToDateTime64(time),
          observed_ts: nanosToDateTime64(observed),
          trace_id: r.traceId,
          span_id: r.spanId,
          severity_number: uint(r.severityNumber, UINT8_MAX),
          severity_text: r.severityText,
          service,
          host_name: hostName,
          body: anyValueText(r.body),
          resource_attributes: resourceAttributes,
          attributes: flattenAttributes(r.attributes),
          scope_name: scopeName,
          flags: uint(r.flags, UINT32_MAX),
          event_name: r.eventName,
          retention_days: ctx.retentionDays,
        });
      }
    }
  }
  return rows;
}
