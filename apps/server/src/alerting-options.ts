import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AlertingOptions } from '@meridian/alerting';
import type { MeridianConfig } from '@meridian/config';

/**
 * The key that seals channel secrets: MERIDIAN_SECRETS_KEY, else `<dataDir>/secrets.key`
 * (created once, mode 600) — right for one machine; replicas on several machines must share
 * MERIDIAN_SECRETS_KEY or they cannot open each other's channel secrets.
 */
export function secretsKey(cfg: MeridianConfig): Buffer {
  if (cfg.alerting.secretsKey) return Buffer.from(cfg.alerting.secretsKey, 'base64');
  const dir = resolve(cfg.dataDir);
  const file = join(dir, 'secrets.key');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    if (cfg.controlPlane.databaseUrl) new Logger('alerting').warn(`generated ${file}; set MERIDIAN_SECRETS_KEY on every replica so they share it`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`failed to create the secrets key ${file}: ${(e as Error).message}`);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} must hold base64 of 32 bytes; restore it or set MERIDIAN_SECRETS_KEY`);
  return key;
}

export function alertingOptions(cfg: MeridianConfig): AlertingOptions {
  const a = cfg.alerting;
  return {
    secretsKey: secretsKey(cfg),
    publicUrl: cfg.auth.publicUrl ?? `http://localhost:${cfg.server.apiPort}`,
    evaluationIntervalMs: a.evaluationIntervalMs,
    evaluationConcurrency: a.evaluationConcurrency,
    tenantEvaluationConcurrency: a.tenantEvaluationConcurrency,
    maxRulesPerTenant: a.maxRulesPerTenant,
    retryInitialMs: a.retryInitialMs,
    maxAttempts: a.maxAttempts,
    allowTargets: a.allowTargets,
  };
}
