import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@meridian/config';
import { secretsKey } from './alerting-options';

describe('secrets key', () => {
  it('is generated once into <dataDir>/secrets.key (mode 600) and read back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-secrets-'));
    const cfg = loadConfig({ MERIDIAN_DATA_DIR: dir });
    const first = secretsKey(cfg);
    expect(first).toHaveLength(32);
    expect(statSync(join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
    expect(secretsKey(cfg).equals(first)).toBe(true);
  });

  it('comes from MERIDIAN_SECRETS_KEY when set (every replica the same)', () => {
    const key = Buffer.alloc(32, 9);
    const cfg = loadConfig({ MERIDIAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'meridian-secrets-')), MERIDIAN_SECRETS_KEY: key.toString('base64') });
    expect(secretsKey(cfg).equals(key)).toBe(true);
  });
});
