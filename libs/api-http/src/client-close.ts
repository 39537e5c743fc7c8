import type { NextFunction, Request, Response } from 'express';

/** Runs the rest of a request (`next`) with `signal` in reach of the code it calls, e.g. in an AsyncLocalStorage. */
export type SignalScope = (signal: AbortSignal, next: () => void) => void;

/**
 * Express middleware: every request gets an AbortSignal, aborted when its client closes the
 * connection before the answer was sent, so work done for nobody can stop (queued database
 * reads are dropped). `scope` carries the signal to that work; this lib does not know who reads it.
 */
export function abortOnClientClose(scope: SignalScope) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const aborter = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    scope(aborter.signal, next);
  };
}
