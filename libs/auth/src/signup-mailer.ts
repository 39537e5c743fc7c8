import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options';

export type SignupMail = { kind: 'verify'; to: string; verifyUrl: string; ttlHours: number } | { kind: 'exists'; to: string; signInUrl: string };

/**
 * Sign-up emails, over SMTP when configured, else as .eml files in the outbox directory (as
 * invitations are). A new address gets a verification link; an address with an account gets a
 * note that someone tried to sign up with it, so the sign-up answer itself never tells them apart.
 */
@Injectable()
export class SignupMailer {
  readonly #smtp: Transporter | undefined;
  readonly #log = new Logger('SignupMailer');

  constructor(@Inject(AUTH_OPTIONS) private readonly options: AuthOptions) {
    this.#smtp = options.mail.smtpUrl ? createTransport(options.mail.smtpUrl) : undefined;
  }

  async send(mail: SignupMail): Promise<void> {
    const message = {
      from: this.options.mail.from,
      to: mail.to,
      ...(mail.kind === 'verify'
        ? {
            subject: 'Confirm your email to finish signing up for Meridian',
            text: `Open this link to confirm ${mail.to} and finish creating your Meridian account:\n\n${mail.verifyUrl}\n\nThe link works once and expires in ${mail.ttlHours} hours. If you did not sign up, ignore this email.`,
          }
        : {
            subject: 'Someone tried to sign up to Meridian with your email',
            text: `Someone (perhaps you) tried to create a Meridian account for ${mail.to}, which already has one. Nothing was changed.\n\nSign in: ${mail.signInUrl}\n\nIf this was not you, you can ignore this email.`,
          }),
    };
    if (this.#smtp) {
      await this.#smtp.sendMail(message);
      return;
    }
    const eml = await createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(message);
    await mkdir(this.options.mail.outboxDir, { recursive: true });
    const file = join(this.options.mail.outboxDir, `${Date.now()}-${randomBytes(3).toString('hex')}-signup.eml`);
    await writeFile(file, eml.message as Buffer, { mode: 0o600 });
    this.#log.log(`no SMTP configured (MERIDIAN_SMTP_URL): sign-up email for ${mail.to} written to ${file}`);
  }
}
