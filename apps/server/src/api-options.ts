import { join, resolve } from 'node:path';
import type { AccountsOptions } from '@meridian/accounts';
import type { AuthOptions } from '@meridian/auth';
import type { MeridianConfig } from '@meridian/config';

export function authOptions(cfg: MeridianConfig): AuthOptions {
  const a = cfg.auth;
  return {
    sessionTtlMs: a.sessionTtlHours * 3_600_000,
    secureCookies: a.secureCookies,
    loginAttemptsPerIp: a.loginAttemptsPerIp,
    loginFailuresPerAccountIp: a.loginFailuresPerAccountIp,
    loginDelayAfterFailures: a.loginDelayAfterFailures,
    loginMaxDelayMs: a.loginMaxDelayMs,
    signupVerificationTtlMs: a.signupVerificationHours * 3_600_000,
    signupsPerIpPerHour: a.signupsPerIpPerHour,
    signupEmailsPerAddressPerHour: a.signupEmailsPerAddressPerHour,
    publicUrl: publicUrl(cfg),
    mail: mailOptions(cfg),
    operatorToken: cfg.server.operatorToken,
  };
}

export function accountsOptions(cfg: MeridianConfig): AccountsOptions {
  return {
    regions: cfg.regions.map((r) => ({ id: r.id, name: r.name, location: r.location })),
    defaultRegion: cfg.defaultRegion,
    publicUrl: publicUrl(cfg),
    otlpEndpoint: cfg.intake.publicUrl ?? `http://localhost:${cfg.intake.httpPort}`,
    invitationTtlMs: cfg.auth.invitationTtlHours * 3_600_000,
    invitationLimits: {
      perTenantPerHour: cfg.auth.invitationsPerTenantPerHour,
      perAdminPerHour: cfg.auth.invitationsPerAdminPerHour,
      perRecipientPerDay: cfg.auth.invitationsPerRecipientPerDay,
    },
    mail: mailOptions(cfg),
    ingestLimits: cfg.intake.limits,
  };
}

/** Where users open the UI (links in invitation and sign-up emails). */
function publicUrl(cfg: MeridianConfig): string {
  return cfg.auth.publicUrl ?? `http://localhost:${cfg.server.apiPort}`;
}

function mailOptions(cfg: MeridianConfig): { smtpUrl?: string; from: string; outboxDir: string } {
  return { smtpUrl: cfg.auth.smtpUrl, from: cfg.auth.emailFrom, outboxDir: join(resolve(cfg.dataDir), 'outbox') };
}
