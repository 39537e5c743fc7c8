import { API_ROUTES, type ApiRoutes, type RouteName } from './routes';
import type { RequestInput, ResponseOf, RouteDef } from './route';
import type { ApiErrorBody } from './schemas/common';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
    readonly route: string,
    /** The answer's `Retry-After` in seconds (a limit's 429 or 503); an HTTP date is not kept. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${route}: ${status} ${body?.message ?? ''}`.trim());
    this.name = 'ApiError';
  }
}

export interface ApiClientOptions {
  /** '' in the browser (same origin), `http://127.0.0.1:8080` elsewhere. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Extra headers per call: `authorization` for api keys, `cookie` outside a browser. */
  headers?: () => Record<string, string>;
  /** CSRF token for cookie-authenticated writes (from the session answer). */
  csrfToken?: () => string | undefined;
}

const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** Typed calls of `API_ROUTES`: the only way the UI and scripts talk to the server. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions = {}) {}

  /** The URL of a route with its path parameters and query filled in. */
  url<N extends RouteName>(name: N, input: Partial<RequestInput<ApiRoutes[N]>> = {}): string {
    const route: RouteDef = API_ROUTES[name];
    const { params, query } = input as { params?: Record<string, unknown>; query?: Record<string, unknown> };
    const path = route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = params?.[key];
      if (value === undefined || value === '') throw new Error(`${name}: path parameter "${key}" is missing`);
      return encodeURIComponent(String(value));
    });
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    const q = qs.toString();
    return `${this.options.baseUrl ?? ''}${path}${q ? `?${q}` : ''}`;
  }

  async call<N extends RouteName>(name: N, input: RequestInput<ApiRoutes[N]>): Promise<ResponseOf<ApiRoutes[N]>> {
    const route: RouteDef = API_ROUTES[name];
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers?.() };
    const body = (input as { body?: unknown }).body;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = UNSAFE.has(route.method) ? this.options.csrfToken?.() : undefined;
    if (csrf) headers['x-csrf-token'] = csrf;
    const res = await (this.options.fetch ?? fetch)(this.url(name, input as never), {
      method: route.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const text = await res.text();
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const retryAfter = res.headers.get('retry-after')?.trim() ?? '';
      const body = (parsed as ApiErrorBody | undefined) ?? { statusCode: res.status, message: text };
      throw new ApiError(res.status, body, name, /^\d{1,6}$/.test(retryAfter) ? Number(retryAfter) : undefined);
    }
    return parsed as ResponseOf<ApiRoutes[N]>;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
