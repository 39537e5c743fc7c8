import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';
import { checkTargetHost, checkTargetUrl, guardedLookup, isPrivateAddress } from './target-guard';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals a secret so only the same key and tenant open it', () => {
    const sealed = box.seal('tenant-a', 'https://hooks.slack.com/services/T/B/secret');
    expect(sealed).not.toContain('secret');
    expect(box.open('tenant-a', sealed)).toBe('https://hooks.slack.com/services/T/B/secret');
    expect(() => box.open('tenant-b', sealed)).toThrow(/wrong key or tampered/);
    expect(() => new SecretBox(randomBytes(32)).open('tenant-a', sealed)).toThrow(/wrong key or tampered/);
    const i = sealed.length - 10;
    const flipped = sealed.slice(0, i) + (sealed[i] === 'A' ? 'B' : 'A') + sealed.slice(i + 1);
    expect(() => box.open('tenant-a', flipped)).toThrow(/unreadable secret/);
  });

  it('uses a fresh nonce per value', () => {
    expect(box.seal('t', 'x')).not.toBe(box.seal('t', 'x'));
  });
});

describe('target guard (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
  ])('refuses %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700::1111'])('accepts %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it('checks every address a name resolves to, and honours the allow-list', async () => {
    const resolve = async (host: string) => (host === 'mixed.example' ? ['8.8.8.8', '10.0.0.5'] : ['8.8.4.4']);
    await expect(checkTargetHost('public.example', [], resolve)).resolves.toBeUndefined();
    await expect(checkTargetHost('mixed.example', [], resolve)).rejects.toThrow(/10\.0\.0\.5.*ask your Meridian operator/);
    await expect(checkTargetHost('mixed.example', ['10.0.0.5'], resolve)).resolves.toBeUndefined();
    await expect(checkTargetUrl('http://127.0.0.1:9/x', [])).rejects.toThrow(/private, loopback/);
    await expect(checkTargetUrl('http://127.0.0.1:9/x', ['127.0.0.1'])).resolves.toBeUndefined();
    await expect(checkTargetUrl('http://[::1]:9/x', [])).rejects.toThrow(/private, loopback/);
    await expect(checkTargetUrl('file:///etc/passwd', [])).rejects.toThrow(/only http and https/);
  });

  it('re-checks at connect time: the lookup used for the connection refuses private answers too', async () => {
    const look = (allow: string[]) =>
      new Promise<unknown>((resolve, reject) => guardedLookup(allow)('localhost', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
    await expect(look([])).rejects.toThrow(/localhost resolves to a private, loopback/);
    await expect(look(['localhost'])).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ address: expect.any(String) })]));
  });
});
