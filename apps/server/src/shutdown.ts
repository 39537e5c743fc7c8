import type { INestApplication, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/**
 * How long a graceful shutdown may take before the process gives up and exits 1. The longest
 * planned step is the ingester's (at most 15 s of draining plus 5 + 5 s with Kafka away, then
 * 5 s for the bus); every other step bounds its own wait well inside this.
 */
export const SHUTDOWN_BUDGET_MS = 60_000;
/** A step taking longer than this is logged with its time, so a slow shutdown says where it went. */
const SLOW_STEP_MS = 5_000;

const HOOKS = ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown'] as const;

/**
 * The steps of a graceful shutdown in progress: the server's own (demo stops, the Nest close)
 * and every provider's shutdown hook inside the Nest close. A step that outlasts SLOW_STEP_MS is
 * logged; when the budget runs out, the steps still running are named and the process exits 1,
 * instead of hanging until an orchestrator kills it without a word.
 */
export class ShutdownSteps {
  private readonly running = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  /** Tracks the shutdown hooks of every provider of `app` as steps (named `Provider.hook`). */
  watchHooks(app: INestApplication): void {
    for (const wrapper of app.get(DiscoveryService).getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (!instance || typeof instance !== 'object' || wrapper.isNotMetatype) continue;
      for (const hook of HOOKS) {
        const fn = instance[hook];
        if (typeof fn !== 'function') continue;
        instance[hook] = (...args: unknown[]) => this.run(`${String(wrapper.name)}.${hook}`, () => (fn as (...a: unknown[]) => unknown).apply(instance, args));
      }
    }
  }

  async run<T>(name: string, step: () => T | Promise<T>): Promise<T> {
    const started = Date.now();
    this.running.set(name, started);
    try {
      return await step();
    } finally {
      this.running.delete(name);
      const took = Date.now() - started;
      if (took > SLOW_STEP_MS) this.logger.warn(`shutdown: ${name} took ${(took / 1000).toFixed(1)} s`);
    }
  }

  /**
   * Runs `close` (the whole shutdown) and exits 0 when it finishes, or 1 once `budgetMs` has
   * passed, naming the steps still running and how long each has been.
   */
  async closeWithin(budgetMs: number, close: () => Promise<void>): Promise<never> {
    const deadline = setTimeout(() => {
      const now = Date.now();
      const left = [...this.running].map(([name, since]) => `${name} (${((now - since) / 1000).toFixed(1)} s)`);
      this.logger.error(`shutdown did not finish in ${budgetMs / 1000} s; still running: ${left.join(', ') || 'nothing tracked'}; exiting with code 1`);
      process.exit(1);
    }, budgetMs);
    try {
      await close();
    } catch (e) {
      this.logger.error(`shutdown failed: ${(e as Error).message}`);
      clearTimeout(deadline);
      process.exit(1);
    }
    clearTimeout(deadline);
    process.exit(0);
  }
}
