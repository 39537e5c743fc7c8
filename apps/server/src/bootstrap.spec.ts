import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@meridian/config';
import { prepareStart } from './bootstrap';
import { planRoles } from './roles';

describe('start step', () => {
  const fresh = () => loadConfig({ MERIDIAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'meridian-start-')) });

  it('creates <dataDir>/secrets.key (mode 600) for roles that seal channel secrets, before any module is built', () => {
    const cfg = fresh();
    expect(prepareStart(cfg, planRoles(cfg, 'api')).secretsKey).toHaveLength(32);
    expect(statSync(join(cfg.dataDir, 'secrets.key')).mode & 0o777).toBe(0o600);
  });

  it('writes no key for roles that do not need one', () => {
    const cfg = fresh();
    expect(prepareStart(cfg, planRoles(cfg, 'collector')).secretsKey).toBeUndefined();
    expect(existsSync(join(cfg.dataDir, 'secrets.key'))).toBe(false);
  });
});
