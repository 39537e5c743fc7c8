import { HttpStatus } from '@nestjs/common';
import { RetryAfterError } from '@meridian/api-http';

/** Invitation budgets (config `auth.invitationsPer…`). */
export interface InvitationLimits {
  /** Invitations one tenant may send per hour. */
  perTenantPerHour: number;
  /** Invitations one admin (a user, in any tenant) may send per hour. */
  perAdminPerHour: number;
  /**
   * Invitations one address may receive per day from all tenants together: a tenant's name is
   * chosen by whoever signs up, so without this cap Meridian would mail attacker-chosen text
   * to any address as often as asked.
   */
  perRecipientPerDay: number;
}

export type InvitationBudget = 'tenant' | 'admin' | 'recipient';

/** 429 with the seconds to wait (sent as `Retry-After`) and which budget is spent. */
export class InvitationRateLimitError extends RetryAfterError {
  constructor(
    readonly budget: InvitationBudget,
    readonly retryAfterSeconds: number,
  ) {
    const what = { tenant: 'this tenant has sent', admin: 'you have sent', recipient: 'this address has received' }[budget];
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: `${what} as many invitations as allowed for now; try again in ${retryAfterSeconds} s`,
        retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

export const INVITATION_LIMITER = Symbol('InvitationLimiter');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Windows kept before expired ones are swept (memory stays bounded under a flood of addresses). */
const SWEEP_AT = 10_000;

/**
 * Fixed-window counters per tenant, per admin and per recipient, in this api process. A send
 * is counted against all three only when all three have room, so a refused invitation spends
 * nothing. With several api replicas each keeps its own counts (the limits are per replica).
 */
export class InvitationLimiter {
  readonly #windows = new Map<string, { endsAt: number; count: number }>();

  constructor(
    private readonly limits: InvitationLimits,
    private readonly now: () => number = Date.now,
    private readonly onRefused: (budget: InvitationBudget) => void = () => undefined,
  ) {}

  /** Counts one invitation, or throws InvitationRateLimitError naming the first spent budget. */
  take(tenantId: string, adminId: string, recipientEmail: string): void {
    const t = this.now();
    if (this.#windows.size > SWEEP_AT) for (const [k, w] of this.#windows) if (w.endsAt <= t) this.#windows.delete(k);
    const budgets: Array<[InvitationBudget, string, number, number]> = [
      ['tenant', `t:${tenantId}`, this.limits.perTenantPerHour, HOUR],
      ['admin', `a:${adminId}`, this.limits.perAdminPerHour, HOUR],
      ['recipient', `r:${recipientEmail.trim().toLowerCase()}`, this.limits.perRecipientPerDay, DAY],
    ];
    const windows = budgets.map(([budget, key, max, length]) => {
      let w = this.#windows.get(key);
      if (!w || w.endsAt <= t) w = { endsAt: t + length, count: 0 };
      if (w.count >= max) {
        this.onRefused(budget);
        throw new InvitationRateLimitError(budget, Math.max(1, Math.ceil((w.endsAt - t) / 1000)));
      }
      return [key, w] as const;
    });
    for (const [key, w] of windows) {
      w.count++;
      this.#windows.set(key, w);
    }
  }
}
