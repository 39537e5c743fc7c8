import { ApiError } from '@meridian/api-contract';
import { errorMessage, fieldErrors } from './errors';

describe('errors', () => {
  const invalid = new ApiError(400, { statusCode: 400, message: 'invalid input', issues: [{ field: 'body.email', message: 'expected an email address' }, { field: 'body.password', message: 'at least 10 characters' }] }, 'signUp');

  it('maps a 400 to messages per form field', () => {
    expect(fieldErrors(invalid)).toEqual({ email: 'expected an email address', password: 'at least 10 characters' });
    expect(fieldErrors(new ApiError(403, { statusCode: 403, message: 'role admin needed' }, 'createKey'))).toEqual({});
  });

  it('says what went wrong in one line', () => {
    expect(errorMessage(invalid)).toBe('invalid input (email: expected an email address; password: at least 10 characters)');
    expect(errorMessage(new ApiError(503, undefined, 'hitmap'))).toBe('HTTP 503');
    expect(errorMessage(new TypeError('Failed to fetch'))).toBe('network error: Failed to fetch');
  });
});
