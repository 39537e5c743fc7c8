import type { AlertChannelBody } from '@meridian/api-contract';
import type { AlertChannelRecord, NewAlertChannel } from '@meridian/control-plane';
import type { OpenChannel } from './channel-sender';
import type { SecretBox } from './secret-box';

/** Shows enough of a secret URL to recognise it: scheme, host and the last 4 characters. */
export function maskUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…${url.slice(-4)}`;
}

/** Splits a channel into stored settings and one sealed secret blob. */
export function sealChannel(box: SecretBox, tenantId: string, c: AlertChannelBody): NewAlertChannel {
  const base = { key: c.key, name: c.name, kind: c.kind };
  switch (c.kind) {
    case 'slack':
      return { ...base, settings: {}, secretCiphertext: box.seal(tenantId, JSON.stringify({ url: c.url })), secretHint: maskUrl(c.url) };
    case 'webhook':
      return { ...base, settings: {}, secretCiphertext: box.seal(tenantId, JSON.stringify({ url: c.url, secret: c.secret })), secretHint: maskUrl(c.url) };
    case 'email':
      return { ...base, settings: { smtpUrl: c.smtpUrl, from: c.from, to: c.to }, secretCiphertext: box.seal(tenantId, JSON.stringify({ password: c.password })), secretHint: c.smtpUrl };
  }
}

export function openChannel(box: SecretBox, c: AlertChannelRecord): OpenChannel {
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

/** The API view: never the secret, only its hint. */
export function channelView(c: AlertChannelRecord) {
  const { smtpUrl: _smtpUrl, ...settings } = c.settings;
  return { id: c.id, key: c.key, name: c.name, kind: c.kind, target: c.secretHint, settings, createdAt: c.createdAt.toISOString(), updatedAt: c.updatedAt.toISOString() };
}
