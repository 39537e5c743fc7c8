import { DEFAULT_VIEW, freezeWindow, liveWindow, parseView, spanMs, transactionView, viewParams, windowRange, type HitmapView } from './view';

const params = (q: Record<string, string | undefined>) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) u.set(k, v);
  return u;
};
const roundTrip = (v: HitmapView) => parseView(params(viewParams(v)));

const T = Date.UTC(2026, 4, 1, 9, 0, 0);

describe('hitmap view in the URL', () => {
  it('opens live on the last 10 minutes without parameters', () => {
    expect(parseView(params({}))).toEqual(DEFAULT_VIEW);
    expect(viewParams(DEFAULT_VIEW)).toEqual({
      last: undefined,
      service: undefined,
      endpoint: undefined,
      y: undefined,
      sel: undefined,
      txService: undefined,
      txEndpoint: undefined,
    });
  });

  it('round-trips live spans, fixed windows, filters, the selection and the picked group', () => {
    const views: HitmapView[] = [
      { window: { live: true, span: '1h' }, service: 'checkout', endpoint: 'GET /orders/{id}' },
      { window: { live: false, from: T, to: T + 900_000 }, service: 'a&b=c' },
      { window: { live: true, span: '10m' }, selection: { from: T, to: T + 5_000, minMs: 3_000, maxMs: 3_500 }, picked: { service: 'checkout', endpoint: '' } },
      { window: { live: false, from: T, to: T + 60_000 }, selection: { from: T, to: T + 10_000, minMs: 78_000 } },
      { window: { live: true, span: '6h' }, yZoom: '1s' },
    ];
    for (const v of views) expect(roundTrip(v)).toEqual(v);
    expect(viewParams(views[1])).toMatchObject({ from: '2026-05-01T09:00:00.000Z', to: '2026-05-01T09:15:00.000Z' });
  });

  it('reads epoch-ms and ISO times (e.g. from an alert link)', () => {
    expect(parseView(params({ from: String(T), to: '2026-05-01T09:10:00Z' })).window).toEqual({ live: false, from: T, to: T + 600_000 });
  });

  it('falls back to the default for what it cannot read', () => {
    expect(parseView(params({ last: '10 minutes' })).window).toEqual({ live: true, span: '10m' });
    expect(parseView(params({ last: '7d' })).window).toEqual({ live: true, span: '10m' }); // longer than the API serves
    expect(parseView(params({ from: 'yesterday', to: String(T) })).window).toEqual({ live: true, span: '10m' });
    expect(parseView(params({ from: String(T), to: String(T) })).window.live).toBe(true); // empty window
    expect(parseView(params({ from: String(T), to: String(T + 7 * 3600_000) })).window.live).toBe(true);
    expect(parseView(params({ sel: 'nonsense', txService: 'x', txEndpoint: 'y' }))).toEqual(DEFAULT_VIEW); // no selection → no pick
    expect(parseView(params({ y: '2s' }))).toEqual(DEFAULT_VIEW);
  });

  it('knows the presets’ lengths and refuses others', () => {
    expect(spanMs('5m')).toBe(300_000);
    expect(spanMs('6h')).toBe(21_600_000);
    expect(spanMs('7h')).toBeUndefined();
    expect(spanMs('30s')).toBeUndefined();
    expect(spanMs(null)).toBeUndefined();
  });

  it('freezes a live window on what is on screen, and goes live again with its length', () => {
    const now = T + 234;
    expect(windowRange({ live: true, span: '10m' }, now)).toEqual({ from: now - 600_000, to: now });
    const fixed = freezeWindow({ live: true, span: '30m' }, now);
    expect(fixed).toEqual({ live: false, from: T - 1_800_000, to: T });
    expect(windowRange(fixed, now + 60_000)).toEqual({ from: T - 1_800_000, to: T });
    expect(liveWindow(fixed)).toEqual({ live: true, span: '30m' });
    expect(liveWindow({ live: false, from: T, to: T + 123_000 })).toEqual({ live: true, span: '10m' });
  });

  it('links a transaction back to its dot: 10 minutes around it, its cell selected, its endpoint picked', () => {
    const v = transactionView({ endMs: T + 7_300, durationMs: 3_200, service: 'checkout', endpoint: 'GET /slow' });
    expect(v.window).toEqual({ live: false, from: T - 292_000, to: T + 308_000 });
    expect(v.selection).toEqual({ from: T + 5_000, to: T + 10_000, minMs: 3_125, maxMs: 3_250 });
    expect(v.picked).toEqual({ service: 'checkout', endpoint: 'GET /slow' });
    expect(roundTrip(v)).toEqual(v);
  });
});
