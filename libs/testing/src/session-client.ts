import { readSignupEmailLink } from './outbox';
import { ApiClient, type RouteName, type RequestInput, type ResponseOf, type ApiRoutes } from '@meridian/api-contract';

/** A running server as sign-up needs it: its URL, and its data dir (whose outbox receives the emails). */
export interface SignUpTarget {
  base: string;
  dataDir: string;
}

/**
 * A signed-in user as a browser would be: a cookie jar fed by Set-Cookie answers, and the
 * CSRF token from the session answer sent on writes. Calls go through the contract's client.
 */
export class SessionClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;
  readonly api: ApiClient;

  constructor(readonly baseUrl: string) {
    this.api = new ApiClient({
      baseUrl,
      fetch: (async (url: string, init: RequestInit) => {
        const res = await fetch(url, init);
        for (const c of res.headers.getSetCookie()) {
          const [pair, ...attrs] = c.split(';');
          const [name, ...rest] = pair.split('=');
          const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
          if (expired) this.cookies.delete(name.trim());
          else this.cookies.set(name.trim(), rest.join('='));
        }
        return res;
      }) as typeof fetch,
      headers: (): Record<string, string> => (this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      csrfToken: () => this.csrfToken,
    });
  }

  /** Calls a route; remembers the CSRF token of session answers. */
  async call<N extends RouteName>(name: N, input: RequestInput<ApiRoutes[N]>): Promise<ResponseOf<ApiRoutes[N]>> {
    const out = await this.api.call(name, input);
    const token = (out as { csrfToken?: unknown } | undefined)?.csrfToken;
    if (typeof token === 'string') this.csrfToken = token;
    return out;
  }

  /** Status of a call (2xx → the status; errors → their status), for access tests. */
  async status<N extends RouteName>(name: N, input: RequestInput<ApiRoutes[N]>): Promise<number> {
    try {
      await this.call(name, input);
      return 200;
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === undefined) throw e;
      return status;
    }
  }

  /**
   * Signs up and in. With an invitation token the account exists at once; without one the server
   * emails a verification link, so pass the server's `{ base, dataDir }`: the link is read from
   * its outbox (no SMTP in tests) and opened, as the user would.
   */
  static async signUp(server: string | SignUpTarget, email: string, password = 'correct horse battery staple', inviteToken?: string): Promise<SessionClient> {
    const client = new SessionClient(typeof server === 'string' ? server : server.base);
    const out = await client.call('signUp', { body: { email, password, inviteToken } });
    if ('verification' in out) {
      if (typeof server === 'string')
        throw new Error(`sign-up of ${email} sent a verification email: pass { base, dataDir } (not a URL) so the link can be read from the outbox`);
      const token = new URL(await readSignupEmailLink(server.dataDir, email)).searchParams.get('token')!;
      await client.call('verifyEmail', { body: { token } });
    }
    return client;
  }

  static async signIn(baseUrl: string, email: string, password = 'correct horse battery staple'): Promise<SessionClient> {
    const client = new SessionClient(baseUrl);
    await client.call('signIn', { body: { email, password } });
    return client;
  }
}
