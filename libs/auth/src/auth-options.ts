/** The auth module's settings (from the config's `auth` section). */
export interface AuthOptions {
  sessionTtlMs: number;
  secureCookies: 'auto' | 'always';
  /** Sign-in budgets and the progressive delay (see LoginThrottle). */
  loginAttemptsPerIp: number;
  loginFailuresPerAccountIp: number;
  loginDelayAfterFailures: number;
  loginMaxDelayMs: number;
  /** Sign-up emails (no invitation) per client IP and per recipient, per hour. */
  signupsPerIpPerHour: number;
  signupEmailsPerAddressPerHour: number;
  /** How long a sign-up's verification link works. */
  signupVerificationTtlMs: number;
  /** Where users open the UI (links in sign-up emails). */
  publicUrl: string;
  mail: { smtpUrl?: string; from: string; outboxDir: string };
  /** The SaaS operator's token for operator-only routes (config server.operatorToken); unset → they answer 403. */
  operatorToken?: string;
}
export const AUTH_OPTIONS = Symbol('AuthOptions');

export const SESSION_COOKIE = 'mrd_session';
export const CSRF_COOKIE = 'mrd_csrf';
