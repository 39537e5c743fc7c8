import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';

export interface MailSettings {
  smtpUrl?: string;
  from: string;
  outboxDir: string;
}

/**
 * Sends an email over SMTP when configured; otherwise writes it as an .eml file to the outbox
 * directory (single-machine default), so nothing is lost and an operator can forward it.
 */
export class MailOutbox {
  readonly #smtp: Transporter | undefined;

  constructor(
    private readonly settings: MailSettings,
    private readonly log: Logger,
  ) {
    this.#smtp = settings.smtpUrl ? createTransport(settings.smtpUrl) : undefined;
  }

  /** `fileTag` ends the outbox file's name; `what` names the email in the log line. */
  async send(mail: { to: string; subject: string; text: string }, fileTag: string, what: string): Promise<'sent' | 'outbox'> {
    const message = { from: this.settings.from, ...mail };
    if (this.#smtp) {
      await this.#smtp.sendMail(message);
      return 'sent';
    }
    const eml = await createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(message);
    await mkdir(this.settings.outboxDir, { recursive: true });
    const file = join(this.settings.outboxDir, `${Date.now()}-${fileTag}.eml`);
    await writeFile(file, eml.message as Buffer, { mode: 0o600 });
    this.log.log(`no SMTP configured (MERIDIAN_SMTP_URL): ${what} for ${mail.to} written to ${file}`);
    return 'outbox';
  }
}
