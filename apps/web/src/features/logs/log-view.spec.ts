import { levelOf, logsQuery, logsViewParams, normalizeTraceId, parseLogsView } from './log-view';

const params = (q: Record<string, string>) => new URLSearchParams(q);

describe('logs view in the URL', () => {
  it('reads every filter and writes it back, defaults left out', () => {
    const url = { last: '1h', live: '1', q: 'payment timeout', severity: 'warn', service: 'checkout', traceId: 'A'.repeat(32), attr: 'http.route=/cart' };
    const view = parseLogsView(params(url));
    expect(view).toEqual({
      window: '1h',
      live: true,
      q: 'payment timeout',
      severity: 'warn',
      service: 'checkout',
      traceId: 'a'.repeat(32),
      attr: 'http.route=/cart',
    });
    expect(logsViewParams(view)).toEqual({ ...url, traceId: 'a'.repeat(32) });
    expect(logsQuery(view)).toEqual({
      last: '1h',
      q: 'payment timeout',
      minSeverity: 13,
      service: 'checkout',
      traceId: 'a'.repeat(32),
      attr: 'http.route=/cart',
    });
    expect(logsViewParams(parseLogsView(params({})))).toEqual({
      last: undefined,
      live: undefined,
      q: undefined,
      severity: undefined,
      service: undefined,
      traceId: undefined,
      attr: undefined,
    });
  });

  it('a fixed range wins over the window and is never live; a bad one is ignored', () => {
    const fixed = parseLogsView(params({ from: '1700000000000', to: '1700000060000', live: '1', last: '1h' }));
    expect(fixed).toMatchObject({ range: { from: 1700000000000, to: 1700000060000 }, live: false });
    expect(logsQuery(fixed)).toMatchObject({ from: '1700000000000', to: '1700000060000' });
    expect(logsQuery(fixed)).not.toHaveProperty('last');
    expect(parseLogsView(params({ from: '1700000060000', to: '1700000000000' })).range).toBeUndefined();
    expect(parseLogsView(params({ from: '1', to: String(2 * 86400_000) })).range).toBeUndefined();
    expect(parseLogsView(params({ last: '7d', severity: 'loud' }))).toMatchObject({ window: '15m', severity: 'any' });
  });

  it('accepts trace ids pasted with dashes, spaces or upper case', () => {
    expect(normalizeTraceId('0AF76519-16CD43DD-8448EB21-1C80319C')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(normalizeTraceId('xyz')).toBeUndefined();
    expect(parseLogsView(params({ traceId: 'not-a-trace' })).traceId).toBeUndefined();
  });

  it('maps OTLP severity numbers to levels', () => {
    expect([0, 1, 4, 5, 9, 12, 13, 17, 20, 21, 24, 25].map(levelOf)).toEqual([
      'unspecified',
      'trace',
      'trace',
      'debug',
      'info',
      'info',
      'warn',
      'error',
      'error',
      'fatal',
      'fatal',
      'unspecified',
    ]);
  });
});
