import { type DynamicModule, Module } from '@nestjs/common';
import { ControlPlaneDb, TenantProvisioningService } from '@meridian/control-plane';
import { counter, SELF_METRICS, type SelfMetrics } from '@meridian/self-metrics';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { INVITATION_LIMITER, InvitationLimiter } from './invitation-limiter';
import { InvitationMailer } from './invitation-mailer';
import { InvitationsService } from './invitations.service';
import { IngestLimitsController } from './ingest-limits.controller';
import { IngestLimitsService } from './ingest-limits.service';
import { KeysController } from './keys.controller';
import { KeysService } from './keys.service';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

/** The control-plane REST API. Needs ControlPlaneModule and AuthModule's guard from the app. */
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
            const refused =
              metrics &&
              counter(metrics, {
                name: 'meridian_invitations_refused_total',
                help: 'Invitations answered 429, by which budget was spent (tenant, admin, recipient).',
                labelNames: ['budget'],
              });
            return new InvitationLimiter(options.invitationLimits, Date.now, (budget) => refused?.inc({ budget }));
          },
          inject: [{ token: SELF_METRICS, optional: true }],
        },
        // Tenants may be made in the configured regions only.
        {
          provide: TenantProvisioningService,
          useFactory: (cp: ControlPlaneDb) =>
            new TenantProvisioningService(
              cp,
              options.regions.map((r) => r.id),
            ),
          inject: [ControlPlaneDb],
        },
        TenantsService,
        MembersService,
        InvitationsService,
        KeysService,
        AuditService,
        IngestLimitsService,
      ],
    };
  }
}
