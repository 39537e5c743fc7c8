import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AlerterOptions } from '@meridian/alerter';
import type { AlertingApiOptions } from '@meridian/alerting-api';
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

/** The secrets key is the one the start step prepared (bootstrap.ts): building options reads no file. */
function channelKey(key: Buffer | undefined): Buffer {
  if (!key) throw new Error('alerting: no secrets key was prepared; in roles.ts, the role must depend on Infra.Secrets');
  return key;
}

export function alerterOptions(cfg: MeridianConfig, key: Buffer | undefined): AlerterOptions {
  const a = cfg.alerting;
  return {
    secretsKey: channelKey(key),
    allowTargets: a.allowTargets,
    publicUrl: publicUrl(cfg),
    evaluationIntervalMs: a.evaluationIntervalMs,
    evaluationConcurrency: a.evaluationConcurrency,
    tenantEvaluationConcurrency: a.tenantEvaluationConcurrency,
    retryInitialMs: a.retryInitialMs,
    maxAttempts: a.maxAttempts,
  };
}

export function alertingApiOptions(cfg: MeridianConfig, key: Buffer | undefined): AlertingApiOptions {
  return { secretsKey: channelKey(key), allowTargets: cfg.alerting.allowTargets, publicUrl: publicUrl(cfg), maxRulesPerTenant: cfg.alerting.maxRulesPerTenant };
}

function publicUrl(cfg: MeridianConfig): string {
  return cfg.auth.publicUrl ?? `http://localhost:${cfg.server.apiPort}`;
}
