import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { AlertChannelRepository } from './alert-channel.repository';
import { AlertOutboxRepository } from './alert-outbox.repository';
import { AlertRuleRepository } from './alert-rule.repository';
import { AlertSilenceRepository } from './alert-silence.repository';
import { AuditLogRepository } from './audit-log.repository';
import { ControlPlaneDb } from './control-plane-db';
import { ControlPlaneTransactions } from './control-plane-transactions';
import { IngestKeyRepository } from './ingest-key.repository';
import { InvitationAcceptance } from './invitation-acceptance';
import { InvitationRepository } from './invitation.repository';
import { MembershipRepository } from './membership.repository';
import { ServerSecretRepository } from './server-secret.repository';
import { SessionRepository } from './session.repository';
import { InvitationSignup, SignupVerificationRepository } from './signup';
import { TenantLimitsRepository } from './tenant-limits.repository';
import { TenantRepository } from './tenant.repository';
import { UsageRepository } from './usage.repository';
import { UserRepository } from './user.repository';

const REPOSITORIES = [
  AlertChannelRepository,
  AlertOutboxRepository,
  AlertRuleRepository,
  AlertSilenceRepository,
  AuditLogRepository,
  IngestKeyRepository,
  InvitationRepository,
  MembershipRepository,
  ServerSecretRepository,
  SessionRepository,
  SignupVerificationRepository,
  TenantLimitsRepository,
  TenantRepository,
  UsageRepository,
  UserRepository,
] as const;

/**
 * The control-plane database and one provider per repository, so that each service asks for
 * exactly the tables it uses (and `ControlPlaneTransactions` to group its calls atomically).
 */
@Global()
@Module({})
export class ControlPlaneModule {
  /** `open` returns the database ready to use (opened, migrated; its closing is the caller's). */
  static forRoot(open: () => Promise<ControlPlaneDb>): DynamicModule {
    const providers: Provider[] = [
      { provide: ControlPlaneDb, useFactory: open },
      { provide: ControlPlaneTransactions, useFactory: (cp: ControlPlaneDb) => new ControlPlaneTransactions(cp), inject: [ControlPlaneDb] },
      ...REPOSITORIES.map((repository) => ({ provide: repository, useFactory: (cp: ControlPlaneDb) => new repository(cp), inject: [ControlPlaneDb] })),
      {
        provide: InvitationAcceptance,
        useFactory: (tx: ControlPlaneTransactions, invitations: InvitationRepository, memberships: MembershipRepository, audit: AuditLogRepository) =>
          new InvitationAcceptance(tx, invitations, memberships, audit),
        inject: [ControlPlaneTransactions, InvitationRepository, MembershipRepository, AuditLogRepository],
      },
      {
        provide: InvitationSignup,
        useFactory: (
          tx: ControlPlaneTransactions,
          invitations: InvitationRepository,
          users: UserRepository,
          audit: AuditLogRepository,
          acceptance: InvitationAcceptance,
        ) => new InvitationSignup(tx, invitations, users, audit, acceptance),
        inject: [ControlPlaneTransactions, InvitationRepository, UserRepository, AuditLogRepository, InvitationAcceptance],
      },
    ];
    return {
      module: ControlPlaneModule,
      providers,
      exports: [ControlPlaneDb, ControlPlaneTransactions, ...REPOSITORIES, InvitationAcceptance, InvitationSignup],
    };
  }
}
