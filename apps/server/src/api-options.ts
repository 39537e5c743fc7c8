import { join, resolve } from 'node:path';
import type { AccountsOptions } from '@meridian/accounts';
import type { AuthOptions } from '@meridian/auth';
import type { MeridianConfig } from '@meridian/config';

export function authOptions(cfg: MeridianConfig): AuthOptions {
  const a = cfg.auth;
  return {
    sessionTtlMs: a.sessionTtlHours * 3_600_000,
    secureCookies: a.secureCookies,
    lockoutAfterFailures: a.lockoutAfterFailures,
    lockoutMs: a.lockoutMinutes * 60_000,
    loginAttemptsPerIp: a.loginAttemptsPerIp,
    operatorToken: cfg.server.operatorToken,
  };
}

export function accountsOptions(cfg: MeridianConfig): AccountsOptions {
  return {
    regions: cfg.regions.map((r) => ({ id: r.id, name: r.name, location: r.location })),
    defaultRegion: cfg.defaultRegion,
    publicUrl: cfg.auth.publicUrl ?? `http://localhost:${cfg.server.apiPort}`,
    otlpEndpoint: cfg.intake.publicUrl ?? `http://localhost:${cfg.intake.httpPort}`,
    invitationTtlMs: cfg.auth.invitationTtlHours * 3_600_000,
    mail: { smtpUrl: cfg.auth.smtpUrl, from: cfg.auth.emailFrom, outboxDir: join(resolve(cfg.dataDir), 'outbox') },
    ingestLimits: cfg.intake.limits,
  };
}
