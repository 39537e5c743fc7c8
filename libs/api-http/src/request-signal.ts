import type { NextFunction, Request, Response } from 'express';

/** Runs the rest of a request (`next`) with `signal` in reach of the code it calls, e.g. in an AsyncLocalStorage. */
export type SignalScope = (signal: AbortSignal, next: () => void) => void;

/**
 * Express middleware: every request gets an AbortSignal, aborted when the request ends, whether
 * its client closed the connection first or its answer was sent, so work done for nobody stops
 * (queued database reads are dropped). The second matters as much: a page whose third read was
 * refused answers 429 at once, and its reads still waiting would otherwise hold the tenant's
 * queue against its next request. `scope` carries the signal to that work; this lib does not
 * know who reads it.
 */
export function abortWhenRequestEnds(scope: SignalScope) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const aborter = new AbortController();
    res.once('close', () => aborter.abort());
    scope(aborter.signal, next);
  };
}
