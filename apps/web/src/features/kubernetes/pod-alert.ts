import { tenantHref } from '../../lib/tenant';

/**
 * The rule editor prefilled with a `pod_restarts` rule scoped to this pod by its resource
 * attributes (namespace and exact pod name): critical at the first container restart within
 * five minutes. pod_restarts counts the rises of k8s.container.restarts in the window, which a
 * `metric` rule (the mean of the cumulative count) cannot.
 */
export function podRestartsRuleHref(tenant: string, pod: { namespace: string; name: string }): string {
  return tenantHref('/alerts/rule', tenant, {
    metric: 'pod_restarts',
    resourceAttributes: `k8s.namespace.name=${pod.namespace}\nk8s.pod.name=${pod.name}`,
    name: `Restarts of ${pod.namespace}/${pod.name}`,
    key: `pod-restarts-${pod.namespace}-${pod.name}`.replace(/[^A-Za-z0-9._:/-]/g, '-').slice(0, 200),
    critical: '1',
    windowSeconds: '300',
  });
}
