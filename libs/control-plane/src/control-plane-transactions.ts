import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import type { ControlPlaneSchema } from './control-plane-schema';
import { executorOf, type ControlPlaneDb, type ControlPlaneExecutor } from './control-plane-db';

type Db = Kysely<ControlPlaneSchema>;

/** The transaction `ControlPlaneTransactions.run` opened, and the database it belongs to. */
const open = new AsyncLocalStorage<{ root: Db; trx: Db }>();

/**
 * Groups repository calls in one transaction without handing a connection to the caller: a
 * service gets its repositories and this, and every call of those repositories inside `run`
 * goes through the same transaction (it rolls back when `work` throws). A `run` inside a `run`
 * joins the outer transaction.
 */
export class ControlPlaneTransactions {
  constructor(private readonly cp: ControlPlaneDb) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    const root = this.cp.db;
    if (open.getStore()?.root === root) return work();
    return root.transaction().execute((trx) => open.run({ root, trx }, work));
  }
}

/**
 * What every control-plane repository stands on: the database (joining the transaction of an
 * enclosing `ControlPlaneTransactions.run`) or a transaction it was given.
 */
export abstract class ControlPlaneRepository {
  readonly #source: Db;

  constructor(source: ControlPlaneExecutor) {
    this.#source = executorOf(source);
  }

  protected get db(): Db {
    const current = open.getStore();
    return current?.root === this.#source ? current.trx : this.#source;
  }
}
