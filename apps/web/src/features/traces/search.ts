import type { ApiRoutes, RequestInput } from '@meridian/api-contract';

/** Windows the explorer offers (the API refuses more than 24 h of raw spans). */
export const WINDOWS = ['15m', '1h', '6h', '24h'] as const;
export type TraceWindow = (typeof WINDOWS)[number];
export const DEFAULT_WINDOW: TraceWindow = '1h';
export const PAGE_SIZE = 50;

/** Everything a search is, as the URL holds it (so a search is a link). Absent = not filtered. */
export interface TraceSearch {
  traceId?: string;
  window: TraceWindow;
  service?: string;
  endpoint?: string;
  minMs?: number;
  maxMs?: number;
  status?: 'error' | 'ok';
  httpStatus?: number;
  /** One `key=value` / `key!=value` / `key~regex` per line. */
  attrs?: string;
  resourceAttrs?: string;
  sort: 'start' | 'duration';
  order: 'asc' | 'desc';
  cursor?: string;
}

const TEXT_KEYS = ['traceId', 'service', 'endpoint', 'attrs', 'resourceAttrs', 'cursor'] as const;

const number = (v: string | null) => (v !== null && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** The search a URL holds; values it does not recognise are dropped (the API checks the rest). */
export function searchFromParams(p: URLSearchParams): TraceSearch {
  const s: TraceSearch = {
    window: (WINDOWS as readonly string[]).includes(p.get('last') ?? '') ? (p.get('last') as TraceWindow) : DEFAULT_WINDOW,
    sort: p.get('sort') === 'duration' ? 'duration' : 'start',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
  };
  for (const k of TEXT_KEYS) {
    const v = p.get(k)?.trim();
    if (v) s[k] = v;
  }
  s.minMs = number(p.get('minMs'));
  s.maxMs = number(p.get('maxMs'));
  s.httpStatus = number(p.get('httpStatus'));
  const status = p.get('status');
  if (status === 'error' || status === 'ok') s.status = status;
  return s;
}

/** The URL query of a search (defaults left out, so links stay short). */
export function searchToParams(s: TraceSearch): Record<string, string | undefined> {
  return {
    traceId: s.traceId,
    last: s.window === DEFAULT_WINDOW ? undefined : s.window,
    service: s.service,
    endpoint: s.endpoint,
    minMs: s.minMs?.toString(),
    maxMs: s.maxMs?.toString(),
    status: s.status,
    httpStatus: s.httpStatus?.toString(),
    attrs: s.attrs,
    resourceAttrs: s.resourceAttrs,
    sort: s.sort === 'start' ? undefined : s.sort,
    order: s.order === 'desc' ? undefined : s.order,
    cursor: s.cursor,
  };
}

/** The API query of a search. */
export function searchToQuery(s: TraceSearch): RequestInput<ApiRoutes['traceSearch']>['query'] {
  if (s.traceId) return { traceId: s.traceId };
  const { window, service, endpoint, minMs, maxMs, status, httpStatus, attrs, resourceAttrs, sort, order, cursor } = s;
  return { last: window, service, endpoint, minMs, maxMs, status, httpStatus, attrs, resourceAttrs, sort, order, cursor, limit: PAGE_SIZE };
}

/** A trace id as pasted (dashes, spaces, upper case) → 32 lowercase hex digits, or undefined. */
export function normalizeTraceId(text: string): string | undefined {
  const id = text.replace(/[\s-]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}
