import type { NextFunction, Request, Response } from 'express';
import { counter, histogram, type SelfMetrics } from '@meridian/self-metrics';

/**
 * Express middleware counting every request on the API port and timing it, labelled by the
 * matched route pattern (`/api/v1/tenants/:tenant/usage`, never the raw path, so tenant slugs and
 * ids do not multiply the series); anything no route matched (web UI files, 404s) is `other`.
 */
export function httpMetrics(metrics: SelfMetrics) {
  const requests = counter(metrics, {
    name: 'meridian_http_requests_total',
    help: 'HTTP requests answered on the API port',
    labelNames: ['method', 'route', 'status'],
  });
  const seconds = histogram(metrics, {
    name: 'meridian_http_request_seconds',
    help: 'Time to answer an HTTP request on the API port',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'other';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      seconds.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
