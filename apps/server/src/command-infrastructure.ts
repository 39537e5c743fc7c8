import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MeridianConfig } from '@meridian/config';
import { embedsStorage } from './bootstrap';
import { lockDataDir } from './data-dir-lock';
import { InfrastructureModule } from './infrastructure.module';
import type { InfraName } from './roles';

/**
 * A command's output is its own: infrastructure warnings and errors go to stderr as plain lines.
 * Nest's report of a failed start is left out: the command rethrows it and main prints it once.
 */
const COMMAND_LOGGER: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => console.error(String(message)),
  error: (message: unknown, ...rest: unknown[]) => {
    if (rest.at(-1) !== 'ExceptionHandler') console.error(String(message));
  },
};

/**
 * Runs a CLI command with the infrastructure it needs, built by the same InfrastructureModule as
 * the server (same factories, migrations and closing), holding the data directory meanwhile
 * when that infrastructure is embedded.
 */
export async function withInfrastructure<T>(
  cfg: MeridianConfig,
  needs: readonly InfraName[],
  command: string,
  use: (infra: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const needed = new Set(needs);
  const release = embedsStorage(cfg, needed) ? lockDataDir(cfg.dataDir, command) : () => undefined;
  try {
    const infra = await NestFactory.createApplicationContext(InfrastructureModule.forRoot(cfg, needed), { logger: COMMAND_LOGGER, abortOnError: false });
    try {
      return await use(infra);
    } finally {
      await infra.close();
    }
  } finally {
    release();
  }
}
