import { hitmapRow } from '@meridian/domain';
import { parseSelectionParam, selectionFromRange, selectionParam, type HitmapSelection } from './selection';
import { isYZoom, type YZoom } from './y-axis';

/** Live window lengths offered by the time picker; the longest is the hitmap API's maximum. */
export const SPAN_PRESETS = ['5m', '10m', '30m', '1h', '3h', '6h'] as const;
export const DEFAULT_SPAN = '10m';
/** Longest window the hitmap API serves (QUERY_LIMITS.hitmapMaxWindowMs on the server). */
export const MAX_WINDOW_MS = 6 * 3600_000;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** `10m` → 600 000; undefined for anything else or longer than the API serves. */
export function spanMs(text: string | null | undefined): number | undefined {
  const m = /^(\d{1,5})([smh])$/.exec(text ?? '');
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return ms >= 60_000 && ms <= MAX_WINDOW_MS ? ms : undefined;
}

/** Live: the last `span` sliding with the clock. Fixed: [from, to) in epoch ms. */
export type HitmapWindow = { live: true; span: string } | { live: false; from: number; to: number };

/** Everything the hitmap page shows, as kept in its URL (so a link reopens the same view). */
export interface HitmapView {
  window: HitmapWindow;
  service?: string;
  endpoint?: string;
  selection?: HitmapSelection;
  /** The service/endpoint picked in the selection's panel, whose transactions are listed. */
  picked?: { service: string; endpoint: string };
  /** Y-axis zoom (absent: the whole layout). */
  yZoom?: Exclude<YZoom, 'all'>;
}

export const DEFAULT_VIEW: HitmapView = { window: { live: true, span: DEFAULT_SPAN } };

function parseTime(text: string | null): number | undefined {
  if (!text) return undefined;
  const ms = /^\d{10,16}$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The view a URL describes. Unreadable parts fall back to the default (live, last 10 minutes)
 * rather than failing: a link mangled by a chat client should still open the hitmap.
 */
export function parseView(q: { get(name: string): string | null }): HitmapView {
  const from = parseTime(q.get('from'));
  const to = parseTime(q.get('to'));
  const fixed = from !== undefined && to !== undefined && from < to && to - from <= MAX_WINDOW_MS;
  const last = q.get('last');
  const window: HitmapWindow = fixed ? { live: false, from, to } : { live: true, span: spanMs(last) ? last! : DEFAULT_SPAN };
  const view: HitmapView = { window };
  const service = q.get('service');
  const endpoint = q.get('endpoint');
  if (service) view.service = service;
  if (endpoint) view.endpoint = endpoint;
  const y = q.get('y');
  if (isYZoom(y) && y !== 'all') view.yZoom = y;
  const selection = parseSelectionParam(q.get('sel'));
  if (selection) {
    view.selection = selection;
    const txService = q.get('txService');
    const txEndpoint = q.get('txEndpoint');
    if (txService !== null && txEndpoint !== null) view.picked = { service: txService, endpoint: txEndpoint };
  }
  return view;
}

/** The URL query of a view (the tenant is added by the page). */
export function viewParams(view: HitmapView): Record<string, string | undefined> {
  const w = view.window;
  return {
    ...(w.live ? { last: w.span === DEFAULT_SPAN ? undefined : w.span } : { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() }),
    service: view.service,
    endpoint: view.endpoint,
    y: view.yZoom,
    sel: view.selection && selectionParam(view.selection),
    txService: view.selection && view.picked?.service,
    txEndpoint: view.selection && view.picked?.endpoint,
  };
}

/** [from, to) the window covers at `now`. */
export function windowRange(w: HitmapWindow, now: number): { from: number; to: number } {
  return w.live ? { from: now - spanMs(w.span)!, to: now } : { from: w.from, to: w.to };
}

/** Live off: the window the user is looking at, fixed (whole seconds, so the link reads well). */
export function freezeWindow(w: HitmapWindow, now: number): HitmapWindow {
  if (!w.live) return w;
  const to = Math.floor(now / 1000) * 1000;
  return { live: false, from: to - spanMs(w.span)!, to };
}

/** Live on again with the fixed window's length when it is a preset, else the default. */
export function liveWindow(w: HitmapWindow): HitmapWindow {
  if (w.live) return w;
  const preset = SPAN_PRESETS.find((p) => spanMs(p) === w.to - w.from);
  return { live: true, span: preset ?? DEFAULT_SPAN };
}

/**
 * The hitmap around one transaction: 10 minutes centred on its end, its cell selected and its
 * endpoint picked, so the trace view can link back to where the dot is.
 */
export function transactionView(txn: { endMs: number; durationMs: number; service: string; endpoint: string }): HitmapView {
  const row = hitmapRow(txn.durationMs) + 0.5;
  const to = Math.ceil((txn.endMs + 300_000) / 1000) * 1000;
  return {
    window: { live: false, from: to - 600_000, to },
    selection: selectionFromRange([txn.endMs, txn.endMs], [row, row]),
    picked: { service: txn.service, endpoint: txn.endpoint },
  };
}
