import type { LOG_LEVEL_NAMES } from '@meridian/api-contract';
import type { Input } from '../../lib/api';

/** Window lengths offered; the longest is the logs API's maximum (one day). */
export const WINDOWS = ['5m', '15m', '1h', '6h', '24h'] as const;
export type LogWindow = (typeof WINDOWS)[number];
export const DEFAULT_WINDOW: LogWindow = '15m';
const MAX_WINDOW_MS = 24 * 3600_000;

/** Minimum severities offered (OTLP severity numbers where each level starts). */
export const SEVERITIES = { any: 0, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
export type SeverityChoice = keyof typeof SEVERITIES;

/** A severity level as the histogram names it. */
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** Everything the logs page shows, as kept in its URL (a link reopens the same search). */
export interface LogsView {
  /** A fixed [from, to) in epoch ms (a histogram bar picked), else the last `window` ending now. */
  range?: { from: number; to: number };
  window: LogWindow;
  /** Polls every few seconds, newest first (only for a window ending now). */
  live: boolean;
  q?: string;
  severity: SeverityChoice;
  service?: string;
  traceId?: string;
  attr?: string;
}

type Params = { get(name: string): string | null };

/** The view a URL describes; unreadable parts fall back to the defaults rather than failing. */
export function parseLogsView(p: Params): LogsView {
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  const range = Number.isInteger(from) && Number.isInteger(to) && from > 0 && from < to && to - from <= MAX_WINDOW_MS ? { from, to } : undefined;
  const window = (WINDOWS as readonly string[]).includes(p.get('last') ?? '') ? (p.get('last') as LogWindow) : DEFAULT_WINDOW;
  const severity = p.get('severity') ?? '';
  const text = (name: string) => p.get(name)?.trim() || undefined;
  const traceId = normalizeTraceId(p.get('traceId') ?? '');
  return {
    ...(range && { range }),
    window,
    live: !range && p.get('live') === '1',
    severity: severity in SEVERITIES ? (severity as SeverityChoice) : 'any',
    ...(text('q') && { q: text('q') }),
    ...(text('service') && { service: text('service') }),
    ...(traceId && { traceId }),
    ...(text('attr') && { attr: text('attr') }),
  };
}

/** The URL query of a view (defaults left out, so a plain /logs stays plain). */
export function logsViewParams(v: LogsView): Record<string, string | undefined> {
  return {
    ...(v.range ? { from: String(v.range.from), to: String(v.range.to) } : { last: v.window === DEFAULT_WINDOW ? undefined : v.window }),
    live: v.live && !v.range ? '1' : undefined,
    q: v.q,
    severity: v.severity === 'any' ? undefined : v.severity,
    service: v.service,
    traceId: v.traceId,
    attr: v.attr,
  };
}

/** The filters of a view as the logs and histogram routes take them. */
export function logsQuery(v: LogsView): Input<'logHistogram'>['query'] {
  return {
    ...(v.range ? { from: String(v.range.from), to: String(v.range.to) } : { last: v.window }),
    q: v.q,
    minSeverity: SEVERITIES[v.severity] || undefined,
    service: v.service,
    traceId: v.traceId,
    attr: v.attr,
  };
}

/** A trace id as pasted (with dashes, spaces or upper case) → 32 lowercase hex digits, or undefined. */
export function normalizeTraceId(text: string): string | undefined {
  const id = text.replace(/[\s-]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/** The histogram level of an OTLP severity number (1–4 trace … 21–24 fatal, else unspecified). */
export function levelOf(severityNumber: number): LogLevelName {
  if (!(severityNumber >= 1 && severityNumber <= 24)) return 'unspecified';
  return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)[Math.floor((severityNumber - 1) / 4)];
}
