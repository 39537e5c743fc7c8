import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MailOutbox } from '@meridian/mail-outbox';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options';

export type SignupMail = { kind: 'verify'; to: string; verifyUrl: string; ttlHours: number } | { kind: 'exists'; to: string; signInUrl: string };

/**
 * Sign-up emails, over SMTP when configured, else as .eml files in the outbox directory (as
 * invitations are). A new address gets a verification link; an address with an account gets a
 * note that someone tried to sign up with it, so the sign-up answer itself never tells them apart.
 */
@Injectable()
export class SignupMailer {
  readonly #mail: MailOutbox;

  constructor(@Inject(AUTH_OPTIONS) options: AuthOptions) {
    this.#mail = new MailOutbox(options.mail, new Logger('SignupMailer'));
  }

  async send(mail: SignupMail): Promise<void> {
    const message = {
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
    await this.#mail.send(message, `${randomBytes(3).toString('hex')}-signup`, 'sign-up email');
  }
}
