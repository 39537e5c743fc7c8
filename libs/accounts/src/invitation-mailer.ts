import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailOutbox } from '@meridian/mail-outbox';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';

/** Invitation emails, over SMTP when configured, else as .eml files in the outbox directory. */
@Injectable()
export class InvitationMailer {
  readonly #mail: MailOutbox;

  constructor(@Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions) {
    this.#mail = new MailOutbox(options.mail, new Logger('InvitationMailer'));
  }

  send(input: { to: string; tenantName: string; role: string; invitedBy: string; acceptUrl: string }): Promise<'sent' | 'outbox'> {
    const mail = {
      to: input.to,
      subject: `You are invited to ${input.tenantName} on Meridian`,
      text: `${input.invitedBy} invited you to the Meridian tenant "${input.tenantName}" as ${input.role}.\n\nAccept: ${input.acceptUrl}\n\nThe link works once and expires in ${Math.round(this.options.invitationTtlMs / 3_600_000)} hours.`,
    };
    return this.#mail.send(mail, 'invitation', 'invitation');
  }
}
