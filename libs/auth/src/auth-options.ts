/** The auth module's settings (from the config's `auth` section). */
export interface AuthOptions {
  sessionTtlMs: number;
  secureCookies: 'auto' | 'always';
  lockoutAfterFailures: number;
  lockoutMs: number;
  loginAttemptsPerIp: number;
  /** The SaaS operator's token for operator-only routes (config server.operatorToken); unset → they answer 403. */
  operatorToken?: string;
}
export const AUTH_OPTIONS = Symbol('AuthOptions');

export const SESSION_COOKIE = 'mrd_session';
export const CSRF_COOKIE = 'mrd_csrf';
