import { OpenApiGeneratorV31, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { API_ROUTES } from './routes';
import type { RouteDef } from './route';
import { errorSchema } from './schemas/common';

const SECURITY: Record<RouteDef['auth'], RouteConfig['security']> = {
  public: [],
  user: [{ session: [] }],
  tenant: [{ session: [] }, { apiKey: [] }],
  operator: [{ operatorToken: [] }],
};

/** The OpenAPI 3.1 document of the whole REST API, generated from `API_ROUTES`. */
export function buildOpenApiDocument(version: string): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'mrd_session',
    description: 'Set by sign-in. Writes also need the `x-csrf-token` header from GET /api/v1/auth/session.',
  });
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'A tenant api key (mrd_at_…); acts as a member.' });
  registry.registerComponent('securitySchemes', 'operatorToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The SaaS operator token (config server.operatorToken / MERIDIAN_OPERATOR_TOKEN); unset → operator routes answer 403.',
  });

  for (const [operationId, route] of Object.entries(API_ROUTES) as Array<[string, RouteDef]>) {
    const status = route.status ?? 200;
    const responses: Record<string, ResponseConfig> = {
      [status]: route.response ? { description: 'OK', content: { 'application/json': { schema: route.response } } } : { description: 'Done (no content)' },
      400: { description: 'Invalid input; `issues` names each field', content: { 'application/json': { schema: errorSchema } } },
    };
    if (route.auth === 'user' || route.auth === 'tenant')
      responses[401] = { description: 'Not signed in', content: { 'application/json': { schema: errorSchema } } };
    if (route.auth === 'operator') {
      responses[403] = { description: 'No or a wrong operator token, or none is configured', content: { 'application/json': { schema: errorSchema } } };
      responses[404] = { description: 'No such tenant', content: { 'application/json': { schema: errorSchema } } };
    }
    if (route.auth === 'tenant') {
      responses[403] = {
        description: `Your role is below ${route.minRole ?? 'viewer'}, or a cookie write lacks the CSRF token`,
        content: { 'application/json': { schema: errorSchema } },
      };
      responses[404] = { description: 'No such tenant among yours', content: { 'application/json': { schema: errorSchema } } };
    }
    registry.registerPath({
      operationId,
      method: route.method.toLowerCase() as RouteConfig['method'],
      path: route.path,
      summary: route.summary,
      description:
        route.auth === 'tenant'
          ? `Needs role ${route.minRole ?? 'viewer'} or higher in the tenant.`
          : route.auth === 'operator'
            ? 'Operator only: send the operator token as "Authorization: Bearer <token>".'
            : undefined,
      tags: [route.tag],
      security: SECURITY[route.auth],
      request: {
        params: route.params,
        query: route.query,
        body: route.body ? { content: { 'application/json': { schema: route.body } } } : undefined,
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Meridian API',
      version,
      description: 'Multi-tenant APM: accounts, keys and telemetry reads. Every tenant route reads only the tenant’s own data region.',
    },
  });
}
