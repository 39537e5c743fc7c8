import { InvitationLimiter, InvitationRateLimitError } from './invitation-limiter';

describe('InvitationLimiter', () => {
  let now = 1_000_000;
  const limiter = () => new InvitationLimiter({ perTenantPerHour: 5, perAdminPerHour: 3, perRecipientPerDay: 2 }, () => now);
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      return e as InvitationRateLimitError;
    }
    throw new Error('not refused');
  };

  it('caps what one address receives per day across all tenants, whatever their names', () => {
    const l = limiter();
    l.take('tenant-1', 'admin-1', 'victim@example.com');
    l.take('tenant-2', 'admin-2', 'VICTIM@example.com ');
    const e = refusal(() => l.take('tenant-3', 'admin-3', 'victim@example.com'));
    expect(e).toBeInstanceOf(InvitationRateLimitError);
    expect(e.getStatus()).toBe(429);
    expect(e.budget).toBe('recipient');
    expect(e.retryAfterSeconds).toBe(86_400);
    // Other addresses are not affected; the day ends and the address may be invited again.
    l.take('tenant-3', 'admin-3', 'someone@example.com');
    now += 86_400_000;
    l.take('tenant-3', 'admin-3', 'victim@example.com');
  });

  it('caps an admin per hour, and a tenant per hour across its admins; a refused send spends nothing', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.take('t', 'alice', `a${i}@example.com`);
    expect(refusal(() => l.take('t', 'alice', 'a3@example.com')).budget).toBe('admin');
    l.take('t', 'bob', 'b0@example.com');
    l.take('t', 'bob', 'b1@example.com');
    const e = refusal(() => l.take('t', 'bob', 'b2@example.com'));
    expect(e.budget).toBe('tenant');
    expect(e.retryAfterSeconds).toBe(3_600);
    // The refused sends counted against no address: b2 can still get two invitations elsewhere.
    l.take('other', 'carol', 'b2@example.com');
    l.take('other', 'carol', 'b2@example.com');
    now += 3_600_000;
    l.take('t', 'alice', 'a3@example.com');
  });
});
