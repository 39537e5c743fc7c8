import { type DynamicModule, Module } from '@nestjs/common';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';
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
      controllers: [TenantsController, MembersController, KeysController, AuditController],
      providers: [{ provide: ACCOUNTS_OPTIONS, useValue: options }, InvitationMailer],
    };
  }
}
