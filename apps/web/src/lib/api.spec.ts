import { ApiError, shouldRetry } from './api';

describe('shouldRetry (queries of the UI)', () => {
  const error = (status: number) => new ApiError(status, { statusCode: status, message: 'x' } as never, 'hitmap');

  it('tries again after 429 (the read gate queued the tenant’s reads), 503 and network errors, twice at most', () => {
    for (const e of [error(429), error(503), new TypeError('fetch failed')]) {
      expect([0, 1, 2].map((n) => shouldRetry(n, e))).toEqual([true, true, false]);
    }
  });

  it('does not repeat other client errors: the same request gets the same answer', () => {
    for (const status of [400, 401, 403, 404]) expect(shouldRetry(0, error(status))).toBe(false);
  });
});
