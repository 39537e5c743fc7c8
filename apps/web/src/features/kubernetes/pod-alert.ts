import { tenantHref } from '../../lib/tenant';

/**
 * The rule editor prefilled with a `metric` rule on the pod's container restart count
 * (k8s.container.restarts, scoped to the pod by its resource attributes): critical above the
 * count it has now, so the next restart fires it.
 */
export function podRestartsRuleHref(tenant: string, pod: { namespace: string; name: string }, restartsNow: number): string {
  return tenantHref('/alerts/rule', tenant, {
    metric: 'metric',
    metricName: 'k8s.container.restarts',
    resourceAttributes: `k8s.namespace.name=${pod.namespace}\nk8s.pod.name=${pod.name}`,
    name: `Restarts of ${pod.namespace}/${pod.name}`,
    key: `pod-restarts-${pod.namespace}-${pod.name}`.replace(/[^A-Za-z0-9._:/-]/g, '-').slice(0, 200),
    direction: 'above',
    critical: String(restartsNow),
    windowSeconds: '300',
  });
}
