import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import type { TenantAccess } from '@meridian/api-http';
import {
  AuditLogRepository,
  ControlPlaneDb,
  ControlPlaneTransactions,
  InvitationAcceptance,
  InvitationRepository,
  MembershipRepository,
  TenantProvisioningService,
  TenantRepository,
  UserRepository,
} from '@meridian/control-plane';
import type { AccountsOptions } from './accounts-options';
import { InvitationLimiter, InvitationRateLimitError } from './invitation-limiter';
import { InvitationMailer } from './invitation-mailer';
import { InvitationsService } from './invitations.service';

describe('InvitationsService (on PGlite)', () => {
  let cp: ControlPlaneDb;
  let outboxDir: string;
  let service: InvitationsService;
  let admin: TenantAccess;
  let audit: AuditLogRepository;

  beforeAll(async () => {
    cp = await ControlPlaneDb.open({ pgliteDir: ':memory:' });
    await cp.migrate();
    outboxDir = await mkdtemp(join(tmpdir(), 'meridian-invitations-'));
    const options = {
      publicUrl: 'https://meridian.example/',
      invitationTtlMs: 3_600_000,
      mail: { from: 'meridian@example.com', outboxDir },
    } as AccountsOptions;
    const [invitations, memberships, users] = [new InvitationRepository(cp), new MembershipRepository(cp), new UserRepository(cp)];
    audit = new AuditLogRepository(cp);
    const acceptance = new InvitationAcceptance(new ControlPlaneTransactions(cp), invitations, memberships, audit);
    const limiter = new InvitationLimiter({ perTenantPerHour: 2, perAdminPerHour: 10, perRecipientPerDay: 10 });
    service = new InvitationsService(invitations, acceptance, new TenantRepository(cp), users, audit, new InvitationMailer(options), limiter, options);
    const { tenant } = await new TenantProvisioningService(cp, ['r1']).provisionTenant({ slug: 'invitations-svc', name: 'Acme', region: 'r1', actor: 'test' });
    const owner = await users.create('owner@example.com', 'h');
    await memberships.add(tenant.id, owner.id, 'owner');
    admin = { tenantId: tenant.id, tenantSlug: tenant.slug, region: 'r1', role: 'owner', actor: `user:${owner.id}` };
  }, 30_000);
  afterAll(async () => {
    await cp?.close();
    await rm(outboxDir, { recursive: true, force: true });
  });

  it('invites by email with a one-time link, audited, mailed to the outbox; only the invited address joins', async () => {
    const sent = await service.invite(admin, { email: 'Bob@Example.com', role: 'viewer' });
    expect(sent).toMatchObject({ invitation: { email: 'bob@example.com', role: 'viewer', invitedBy: 'owner@example.com' }, emailDelivery: 'outbox' });
    expect(sent.acceptUrl).toMatch(/^https:\/\/meridian\.example\/invite\?token=[A-Za-z0-9_-]{43}$/);
    expect(await readdir(outboxDir)).toHaveLength(1);
    const [entry] = await audit.listForTenant(admin.tenantId, 1);
    expect(entry).toMatchObject({
      action: 'invitation.create',
      target: `invitation:${sent.invitation.id}`,
      details: { email: 'bob@example.com', role: 'viewer' },
    });

    const token = new URL(sent.acceptUrl).searchParams.get('token') as string;
    const users = new UserRepository(cp);
    const mallory = await users.create('mallory@example.com', 'h');
    const wrong = await service.accept({ kind: 'user', userId: mallory.id, email: mallory.email, sessionId: 's' }, token).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(BadRequestException);
    expect((wrong as BadRequestException).getResponse()).toMatchObject({
      issues: [{ field: 'body.token', message: expect.stringContaining('this invitation is for bob@example.com') }],
    });
    const bob = await users.create('bob@example.com', 'h');
    expect(await service.accept({ kind: 'user', userId: bob.id, email: bob.email, sessionId: 's' }, token)).toMatchObject({
      slug: 'invitations-svc',
      role: 'viewer',
    });
  });

  it('refuses invitations from api keys and past the tenant budget, creating nothing', async () => {
    const before = (await service.list(admin)).invitations.length;
    await expect(service.invite({ ...admin, actor: 'api-key:k1' }, { email: 'carol@example.com', role: 'member' })).rejects.toThrow(
      new ForbiddenException('invitations are sent by signed-in users, not api keys'),
    );
    await service.invite(admin, { email: 'carol@example.com', role: 'member' });
    await expect(service.invite(admin, { email: 'dave@example.com', role: 'member' })).rejects.toBeInstanceOf(InvitationRateLimitError);
    expect((await service.list(admin)).invitations.map((i) => i.email)).toHaveLength(before + 1);
  });

  it('revokes a pending invitation once, audited; then answers 404 naming it', async () => {
    const [pending] = (await service.list(admin)).invitations.filter((i) => i.email === 'carol@example.com');
    await service.revoke(admin, pending.id);
    expect((await audit.listForTenant(admin.tenantId, 1))[0]).toMatchObject({ action: 'invitation.revoke', target: `invitation:${pending.id}` });
    await expect(service.revoke(admin, pending.id)).rejects.toThrow(new NotFoundException(`invitationId: no pending invitation ${pending.id}`));
  });
});
