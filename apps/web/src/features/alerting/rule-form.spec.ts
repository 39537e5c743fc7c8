import { alertRuleBody } from '@meridian/api-contract';
import { createFormatter } from '../../lib/format';
import {
  alertHitmapWindow,
  EMPTY_RULE,
  formatMetricValue,
  formFromParams,
  formToBody,
  parseAttributes,
  ruleToForm,
  scopeChoices,
  suggestKey,
  unknownScope,
  type AlertRule,
} from './rule-form';

// What the editor sends; the rule adds what the server owns (id, state, timestamps).
const sent = {
  key: 'checkout/p95',
  name: 'Checkout p95',
  enabled: true,
  metric: 'metric',
  direction: 'below',
  service: 'checkout',
  warning: 0.8,
  critical: 0.5,
  windowSeconds: 120,
  forSeconds: 30,
  renotifySeconds: 600,
  hysteresisPercent: 25,
  metricName: 'process.cpu.utilization',
  attributes: { 'cpu.state': 'idle', mode: 'x=y' },
  host: 'web-1',
  channels: ['slack'],
  runbookUrl: 'https://runbooks.example.com/a',
} satisfies Partial<AlertRule>;
const rule: AlertRule = {
  ...sent,
  id: '00000000-0000-4000-8000-000000000001',
  state: { state: 'ok', severity: null, since: null, lastValue: null, lastEvalAt: null },
  createdAt: '2026-11-22T00:00:00.000Z',
  updatedAt: '2026-11-22T00:00:00.000Z',
};

describe('rule editor form', () => {
  it('round-trips a rule through the form into a body the contract accepts unchanged', () => {
    const body = formToBody(ruleToForm(rule));
    const parsed = alertRuleBody.parse(body);
    expect(parsed).toMatchObject(sent);
    // Inputs of other metrics are not sent.
    expect(parsed.endpoint).toBeUndefined();
    expect(parsed.slowMs).toBeUndefined();
  });

  it('sends empty inputs as absent and unreadable numbers so the server names the field', () => {
    const body = formToBody({
      ...EMPTY_RULE,
      key: 'k',
      name: 'n',
      metric: 'hitmap_vertical',
      endpoint: '  ',
      warning: '',
      critical: 'abc',
      slowMs: '500',
      host: 'ignored',
    });
    expect(body).toMatchObject({ endpoint: undefined, warning: undefined, slowMs: 500, host: undefined });
    expect(body.critical).toBeNaN();
    const issues = alertRuleBody.safeParse(JSON.parse(JSON.stringify(body))).error?.issues.map((i) => i.path.join('.'));
    expect(issues).toContain('critical');
  });

  it('reads name=value attribute lines and reports the first line without "="', () => {
    expect(parseAttributes(' a = 1\n\nb=x=y ')).toEqual({ attributes: { a: '1', b: 'x=y' } });
    expect(parseAttributes('')).toEqual({});
    expect(parseAttributes('a=1\noops\n=v')).toEqual({ badLine: 'oops' });
  });

  it('suggests keys the contract accepts', () => {
    expect(suggestKey('Checkout p95 (prod)')).toBe('checkout-p95-prod');
    expect(suggestKey('--Slack #ops')).toBe('slack-ops');
    expect(suggestKey('日本語')).toBe('');
  });
});

describe('alert values and windows', () => {
  const fmt = createFormatter('en', 'UTC');
  it('formats each metric in its unit', () => {
    expect(formatMetricValue(fmt, 'latency_p95', 1250)).toBe('1.25 s');
    expect(formatMetricValue(fmt, 'hitmap_horizontal', 12)).toBe('12 s');
    expect(formatMetricValue(fmt, 'error_rate', 3.456)).toBe('3.46%');
    expect(formatMetricValue(fmt, 'throughput', 120.04)).toBe('120/min');
    expect(formatMetricValue(fmt, 'apdex', 0.8712)).toBe('0.87');
    expect(formatMetricValue(fmt, 'hitmap_vertical', 7)).toBe('7');
  });

  it('opens the hitmap one window before the alert started, up to now, at most six hours', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(alertHitmapWindow(now - 60_000, 300, now)).toEqual({ from: now - 360_000, to: now });
    // Long-firing alerts: the newest six hours.
    expect(alertHitmapWindow(now - 24 * 3600_000, 300, now)).toEqual({ from: now - 6 * 3600_000, to: now });
    // A clock slightly behind the alert's start still yields a window after it.
    expect(alertHitmapWindow(now + 1_000, 60, now)).toEqual({ from: now - 59_000, to: now + 61_000 });
  });

  it('offers the tenant’s services and endpoints, and names a typed one it has never sent', () => {
    const known = [
      { service: 'checkout', endpoint: 'POST /pay' },
      { service: 'checkout', endpoint: 'GET /cart' },
      { service: 'catalog', endpoint: 'GET /products' },
    ];
    expect(scopeChoices(known, '')).toEqual({ services: ['catalog', 'checkout'], endpoints: ['GET /cart', 'GET /products', 'POST /pay'] });
    expect(scopeChoices(known, 'checkout').endpoints).toEqual(['GET /cart', 'POST /pay']);
    expect(unknownScope(known, 'checkout', 'POST /pay')).toBeUndefined();
    expect(unknownScope(known, '', '')).toBeUndefined();
    expect(unknownScope(known, 'chekout', '')).toBe('service');
    expect(unknownScope(known, 'checkout', 'GET /products')).toBe('endpoint');
    expect(unknownScope(known, '', 'GET /products')).toBeUndefined();
    expect(unknownScope(known, ' checkout ', '')).toBeUndefined();
  });

  it('prefills a new rule from the URL: text fields only, an unknown metric ignored', () => {
    const form = formFromParams(new URLSearchParams({ metric: 'pod_restarts', resourceAttributes: 'k8s.pod.name=a', critical: '1', channels: 'x' }));
    expect(form).toEqual({ ...EMPTY_RULE, metric: 'pod_restarts', resourceAttributes: 'k8s.pod.name=a', critical: '1' });
    expect(formFromParams(new URLSearchParams({ metric: 'nope', direction: 'sideways' }))).toEqual(EMPTY_RULE);
  });
});
