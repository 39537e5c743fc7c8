import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts-options';

/**
 * Sends invitation emails over SMTP when configured; otherwise writes them as .eml files to the
 * outbox directory (single-machine default), so nothing is lost and an operator can forward them.
 */
@Injectable()
export class InvitationMailer {
  readonly #smtp: Transporter | undefined;
  readonly #log = new Logger('InvitationMailer');

  constructor(@Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions) {
    this.#smtp = options.mail.smtpUrl ? createTransport(options.mail.smtpUrl) : undefined;
  }

  async send(input: { to: string; tenantName: string; role: string; invitedBy: string; acceptUrl: string }): Promise<'sent' | 'outbox'> {
    const message = {
      from: this.options.mail.from,
      to: input.to,
      subject: `You are invited to ${input.tenantName} on Meridian`,
      text: `${input.invitedBy} invited you to the Meridian tenant "${input.tenantName}" as ${input.role}.\n\nAccept: ${input.acceptUrl}\n\nThe link works once and expires in ${Math.round(this.options.invitationTtlMs / 3_600_000)} hours.`,
    };
    if (this.#smtp) {
      await this.#smtp.sendMail(message);
      return 'sent';
    }
    const eml = await createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(message);
    await mkdir(this.options.mail.outboxDir, { recursive: true });
    const file = join(this.options.mail.outboxDir, `${Date.now()}-invitation.eml`);
    await writeFile(file, eml.message as Buffer, { mode: 0o600 });
    this.#log.log(`no SMTP configured (MERIDIAN_SMTP_URL): invitation for ${input.to} written to ${file}`);
    return 'outbox';
  }
}
