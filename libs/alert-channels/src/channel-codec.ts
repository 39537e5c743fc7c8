import type { AlertChannelBody } from '@meridian/api-contract';
import type { OpenChannel } from './channel-sender';
import type { SecretBox } from './secret-box';

/** A channel as stored: plain settings and one sealed secret blob (the control plane's alert_channels row). */
export interface SealedChannel {
  kind: AlertChannelBody['kind'];
  settings: Record<string, unknown>;
  secretCiphertext: string;
  secretHint: string;
}

/** Shows enough of a secret URL to recognise it: scheme, host and the last 4 characters. */
export function maskUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…${url.slice(-4)}`;
}

/** Splits a channel into stored settings and one sealed secret blob. */
export function sealChannel(box: SecretBox, tenantId: string, c: AlertChannelBody): SealedChannel & { key: string; name: string } {
  const base = { key: c.key, name: c.name, kind: c.kind };
  switch (c.kind) {
    case 'slack':
      return { ...base, settings: {}, secretCiphertext: box.seal(tenantId, JSON.stringify({ url: c.url })), secretHint: maskUrl(c.url) };
    case 'webhook':
      return { ...base, settings: {}, secretCiphertext: box.seal(tenantId, JSON.stringify({ url: c.url, secret: c.secret })), secretHint: maskUrl(c.url) };
    case 'email':
      return {
        ...base,
        settings: { smtpUrl: c.smtpUrl, from: c.from, to: c.to },
        secretCiphertext: box.seal(tenantId, JSON.stringify({ password: c.password })),
        secretHint: c.smtpUrl,
      };
  }
}

export function openChannel(box: SecretBox, c: SealedChannel & { tenantId: string }): OpenChannel {
  const secret = JSON.parse(box.open(c.tenantId, c.secretCiphertext)) as Record<string, string>;
  switch (c.kind) {
    case 'slack':
      return { kind: 'slack', url: secret.url };
    case 'webhook':
      return { kind: 'webhook', url: secret.url, secret: secret.secret };
    case 'email': {
      const s = c.settings as { smtpUrl: string; from: string; to: string[] };
      return { kind: 'email', smtpUrl: s.smtpUrl, from: s.from, to: s.to, password: secret.password };
    }
  }
}
