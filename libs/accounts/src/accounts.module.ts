import { type DynamicModule, Module } from '@nestjs/common';
import { ControlPlaneDb, TenantLimitsRepository, UsageRepository } from '@meridian/control-plane';
import { counter, SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { INVITATION_LIMITER, InvitationLimiter } from './invitation-limiter';
import { IngestLimitsController } from './ingest-limits.controller';
import { IngestLimitsService } from './ingest-limits.service';
import { AuditController } from './audit.controller';
import { InvitationMailer } from './invitation-mailer';
import { KeysController } from './keys.controller';
import { MembersController } from './members.controller';
import { TenantsController } from './tenants.controller';

/** The control-plane REST API. Needs ControlPlaneDb from the app and AuthModule's guard. */
@Module({})
export class AccountsModule {
  static forRoot(options: AccountsOptions): DynamicModule {
    return {
      module: AccountsModule,
      controllers: [TenantsController, MembersController, KeysController, AuditController, IngestLimitsController],
      providers: [
        { provide: ACCOUNTS_OPTIONS, useValue: options },
        InvitationMailer,
        {
          provide: INVITATION_LIMITER,
          useFactory: (metrics?: SelfMetrics) => {
            const refused = metrics && counter(metrics, { name: 'meridian_invitations_refused_total', help: 'Invitations answered 429, by which budget was spent (tenant, admin, recipient).', labelNames: ['budget'] });
            return new InvitationLimiter(options.invitationLimits, Date.now, (budget) => refused?.inc({ budget }));
          },
          inject: [{ token: SELF_METRICS, optional: true }],
        },
        { provide: TenantLimitsRepository, useFactory: (cp: ControlPlaneDb) => new TenantLimitsRepository(cp), inject: [ControlPlaneDb] },
        { provide: UsageRepository, useFactory: (cp: ControlPlaneDb) => new UsageRepository(cp), inject: [ControlPlaneDb] },
        IngestLimitsService,
      ],
    };
  }
}
