import { alertRuleBody } from '@meridian/api-contract';
import { createFormatter } from '../../lib/format';
import { EMPTY_RULE, formatMetricValue, formToBody, metricInputs, ruleToForm, type AlertRule } from './rule-form';

describe('rule editor form: host down and pod restarts', () => {
  it('offers the host, heartbeat metric and resource attributes for host down, the pod prefix and resource attributes for pod restarts, no service', () => {
    expect(metricInputs('host_down')).toMatchObject({
      direction: false,
      service: false,
      endpoint: false,
      host: true,
      metricName: true,
      resourceAttributes: true,
      podPrefix: false,
      attributes: false,
    });
    expect(metricInputs('pod_restarts')).toMatchObject({
      direction: false,
      service: false,
      endpoint: false,
      host: false,
      metricName: false,
      resourceAttributes: true,
      podPrefix: true,
    });
    expect(metricInputs('metric')).toMatchObject({ direction: true, service: true, host: true, attributes: true, resourceAttributes: true, podPrefix: false });
  });

  it('sends only the inputs a kind uses, always "above", and the contract accepts the body', () => {
    const body = formToBody({
      ...EMPTY_RULE,
      key: 'pods',
      name: 'Pods restart',
      metric: 'pod_restarts',
      direction: 'below',
      service: 'checkout',
      endpoint: 'GET /',
      host: 'web-1',
      podPrefix: ' api- ',
      resourceAttributes: 'k8s.namespace.name = shop',
      attributes: 'state=user',
      warning: '1',
      critical: '5',
    });
    expect(body).toMatchObject({ direction: 'above', service: undefined, endpoint: undefined, host: undefined, attributes: undefined, podPrefix: 'api-' });
    expect(body.resourceAttributes).toEqual({ 'k8s.namespace.name': 'shop' });
    expect(alertRuleBody.safeParse(body).success).toBe(true);
  });

  it('round-trips a stored host down rule, and names the field of a threshold past the look-back', () => {
    const sent = {
      key: 'hosts',
      name: 'Host down',
      enabled: true,
      metric: 'host_down',
      direction: 'above',
      warning: 120,
      critical: 600,
      windowSeconds: 3600,
      forSeconds: 0,
      renotifySeconds: 0,
      hysteresisPercent: 10,
      resourceAttributes: { 'deployment.environment': 'prod' },
      channels: [],
    } satisfies Partial<AlertRule>;
    const rule: AlertRule = {
      ...sent,
      id: '00000000-0000-4000-8000-000000000002',
      state: { state: 'ok', severity: null, since: null, lastValue: null, lastEvalAt: null },
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-01T00:00:00.000Z',
    };
    expect(alertRuleBody.parse(formToBody(ruleToForm(rule)))).toMatchObject(sent);
    const tooLong = formToBody({ ...ruleToForm(rule), windowSeconds: '600' });
    expect(alertRuleBody.safeParse(tooLong).error?.issues.map((i) => i.path.join('.'))).toEqual(['critical']);
  });

  it('shows silence as a duration and restarts as a whole number', () => {
    const fmt = createFormatter('en', 'UTC');
    expect(formatMetricValue(fmt, 'host_down', 300)).toBe(fmt.duration(300_000));
    expect(formatMetricValue(fmt, 'pod_restarts', 3)).toBe('3');
  });
});
