import { ACCOUNT_ROUTES } from './routes/account.routes';
import { ALERTING_ROUTES } from './routes/alerting.routes';
import { DATABASE_ROUTES } from './routes/database.routes';
import { HOST_ROUTES } from './routes/hosts.routes';
import { KUBERNETES_ROUTES } from './routes/kubernetes.routes';
import { LIMITS_ROUTES } from './routes/limits.routes';
import { LOG_ROUTES } from './routes/logs.routes';
import { METRIC_ROUTES } from './routes/metrics.routes';
import { SERVICE_MAP_ROUTES } from './routes/service-map.routes';
import { TRACE_SEARCH_ROUTES } from './routes/traces.routes';
import { TELEMETRY_ROUTES } from './routes/telemetry.routes';

/**
 * Every REST route of the server. The server registers its handlers from these entries (so a
 * route cannot exist without being here), the OpenAPI document is generated from them, the web
 * UI and test clients call them through `ApiClient`, and the access test walks all of them.
 * One file per area under routes/; add an area by spreading it here.
 */
export const API_ROUTES = {
  ...ACCOUNT_ROUTES,
  ...TELEMETRY_ROUTES,
  ...DATABASE_ROUTES,
  ...ALERTING_ROUTES,
  ...LIMITS_ROUTES,
  ...TRACE_SEARCH_ROUTES,
  ...SERVICE_MAP_ROUTES,
  ...LOG_ROUTES,
  ...METRIC_ROUTES,
  ...HOST_ROUTES,
  ...KUBERNETES_ROUTES,
} as const;

export type ApiRoutes = typeof API_ROUTES;
export type RouteName = keyof ApiRoutes;
