import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Channel secrets at rest: AES-256-GCM with a random 96-bit nonce per value, bound to the tenant
 * (as additional authenticated data) so a ciphertext copied to another tenant's row does not open.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`the secrets key must be 32 bytes, got ${key.length}`);
  }

  seal(tenantId: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(tenantId));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
  }

  /** Throws when the value was tampered with, sealed for another tenant, or under another key. */
  open(tenantId: string, sealed: string): string {
    const [version, body] = sealed.split('.', 2);
    if (version !== VERSION || !body) throw new Error('unreadable secret: unknown format');
    const raw = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(tenantId));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('unreadable secret: wrong key or tampered value (was MERIDIAN_SECRETS_KEY changed?)');
    }
  }
}
