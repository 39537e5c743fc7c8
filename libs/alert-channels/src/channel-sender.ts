import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createTransport } from 'nodemailer';
import type { AlertMessage } from '@meridian/api-contract';
import { emailSubject, plainText, slackMessage, webhookBody } from './messages';
import { checkTargetHost, checkTargetUrl, guardedLookup, type Resolver } from './target-guard';

/** A channel with its secrets opened, only ever held in memory for one send. */
export type OpenChannel =
  | { kind: 'slack'; url: string }
  | { kind: 'webhook'; url: string; secret: string }
  | { kind: 'email'; smtpUrl: string; password: string; from: string; to: string[] };

export const SIGNATURE_HEADER = 'x-meridian-signature';
export const TIMESTAMP_HEADER = 'x-meridian-timestamp';

/** HMAC-SHA256 over `<timestamp>.<body>` (the timestamp lets receivers refuse replays). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface ChannelSenderOptions {
  /** Hosts/IPs allowed although private (see target-guard). */
  allowTargets: readonly string[];
  timeoutMs?: number;
  resolve?: Resolver;
  now?: () => Date;
}

/** Sends one message through one channel; throws with the reason when it was not accepted. */
export class ChannelSender {
  constructor(private readonly opts: ChannelSenderOptions) {}

  async send(channel: OpenChannel, m: AlertMessage): Promise<void> {
    switch (channel.kind) {
      case 'slack':
        return this.post(channel.url, JSON.stringify(slackMessage(m)), {});
      case 'webhook': {
        const body = webhookBody(m);
        const ts = String(Math.floor((this.opts.now?.() ?? new Date()).getTime() / 1000));
        return this.post(channel.url, body, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signWebhook(channel.secret, ts, body) });
      }
      case 'email':
        return this.mail(channel, m);
    }
  }

  private async post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    await checkTargetUrl(url, this.opts.allowTargets, this.opts.resolve);
    const u = new URL(url);
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    // node:http rather than fetch: its `lookup` re-checks the addresses it connects to, and it
    // never follows redirects (a public URL must not bounce the request to a private one).
    await new Promise<void>((resolve, reject) => {
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
        u,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Meridian-Alerts/1', ...headers },
          lookup: guardedLookup(this.opts.allowTargets),
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text = (text + d).slice(0, 200)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`${u.host} answered ${status}${text ? `: ${text}` : ''}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${u.host} did not answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private async mail(c: Extract<OpenChannel, { kind: 'email' }>, m: AlertMessage): Promise<void> {
    const u = new URL(c.smtpUrl);
    await checkTargetHost(u.hostname, this.opts.allowTargets, this.opts.resolve);
    const transport = createTransport({
      host: u.hostname,
      port: Number(u.port) || (u.protocol === 'smtps:' ? 465 : 587),
      secure: u.protocol === 'smtps:',
      auth: u.username ? { user: decodeURIComponent(u.username), pass: c.password } : undefined,
      connectionTimeout: this.opts.timeoutMs ?? 10_000,
      // Plain smtp:// to a local relay may lack TLS; smtps:// and STARTTLS servers still get it.
      ignoreTLS: u.protocol === 'smtp:' && !u.username,
    });
    try {
      await transport.sendMail({ from: c.from, to: c.to, subject: emailSubject(m), text: plainText(m) });
    } finally {
      transport.close();
    }
  }
}
