import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The abort signal of the request a read serves, carried to `select` without passing it through
 * every query method: the HTTP layer runs each request inside `withReadSignal`, and a read of a
 * request whose client went away is dropped (see ReadGate).
 */
const readSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` (and everything it starts) with `signal` as the signal of its reads. */
export function withReadSignal<R>(signal: AbortSignal, fn: () => R): R {
  return readSignal.run(signal, fn);
}

/** The signal of the request this code runs for, if any (background work such as the alerter has none). */
export function currentReadSignal(): AbortSignal | undefined {
  return readSignal.getStore();
}
