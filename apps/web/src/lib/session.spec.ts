import { ApiError } from './api';
import { type Session, sessionState } from './session';

describe('sessionState (what a page shows of the session query)', () => {
  const session = { user: { email: 'dev@example.com' }, tenants: [], csrfToken: 'c' } as unknown as Session;
  const down = new ApiError(503, { statusCode: 503, message: 'control plane unavailable' }, 'getSession');
  const unauthorized = new ApiError(401, { statusCode: 401, message: 'sign in' }, 'getSession');

  it('keeps the session on screen when a background refetch fails for another reason than 401', () => {
    for (const error of [down, new TypeError('Failed to fetch')]) {
      expect(sessionState(true, { data: session, error, isPending: false })).toEqual({ session, pending: false, error: null, signedOut: false });
    }
  });

  it('shows the error when there is no session to show', () => {
    expect(sessionState(true, { error: down, isPending: false })).toEqual({ session: undefined, pending: false, error: down, signedOut: false });
  });

  it('is signed out on a 401, even with an older answer cached, and when it was not asked', () => {
    expect(sessionState(true, { data: session, error: unauthorized, isPending: false })).toMatchObject({ session: null, error: null, signedOut: true });
    expect(sessionState(false, { error: null, isPending: true })).toEqual({ session: null, pending: false, error: null, signedOut: true });
  });
});
