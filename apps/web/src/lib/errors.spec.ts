import { ApiError } from '@meridian/api-contract';
import { errorMessage, fieldErrors, issueText } from './errors';

describe('errors', () => {
  const invalid = new ApiError(
    400,
    {
      statusCode: 400,
      message: 'invalid input',
      issues: [
        { field: 'body.email', message: 'expected an email address' },
        { field: 'body.password', message: 'at least 10 characters' },
      ],
    },
    'signUp',
  );

  it('maps a 400 to messages per form field', () => {
    expect(fieldErrors(invalid)).toEqual({ email: 'expected an email address', password: 'at least 10 characters' });
    expect(fieldErrors(new ApiError(403, { statusCode: 403, message: 'role admin needed' }, 'createKey'))).toEqual({});
  });

  it('words coded issues in the user’s language, and keeps the server’s words for the rest', () => {
    const coded = new ApiError(
      400,
      {
        statusCode: 400,
        message: 'invalid input',
        issues: [
          { field: 'body.name', message: 'Too small: expected string to have >=3 characters', code: 'too_small', params: { minimum: 3, origin: 'string' } },
          { field: 'body.windowSeconds', message: 'Too big: expected number to be <=21600', code: 'too_big', params: { maximum: 21600, origin: 'number' } },
          { field: 'body.email', message: 'Invalid input: expected string, received undefined', code: 'required' },
          { field: 'body.password', message: 'at least 10 characters' },
        ],
      },
      'signUp',
    );
    expect(fieldErrors(coded, 'ja')).toEqual({
      name: '3 文字以上にしてください。',
      windowSeconds: '21,600 以下にしてください。',
      email: '入力してください。',
      password: 'at least 10 characters',
    });
    expect(fieldErrors(coded, 'en')).toMatchObject({ name: 'At least 3 characters.', windowSeconds: 'At most 21,600.', email: 'Required.' });
    expect(issueText({ field: 'body.url', message: 'Invalid URL', code: 'invalid_format', params: { format: 'url' } }, 'ja')).toBe(
      'URL の形式が正しくありません。',
    );
    expect(issueText({ field: 'x', message: 'server words', code: 'some_new_code' }, 'ja')).toBe('server words');
    // An empty text field is "required", a pattern explains itself in the server's words (English only).
    expect(issueText({ field: 'body.name', message: 'required', code: 'too_small', params: { minimum: 1, origin: 'string' } }, 'ja')).toBe(
      '入力してください。',
    );
    const pattern = { field: 'body.slug', message: 'expected 3–40 lowercase letters', code: 'invalid_format', params: { format: 'regex' } };
    expect(issueText(pattern, 'en')).toBe('expected 3–40 lowercase letters');
    expect(issueText(pattern, 'ja')).toBe('使えない文字が含まれているか、形式が正しくありません。');
    expect(errorMessage(coded, 'ja')).toContain('name: 3 文字以上にしてください。');
  });

  it('says what went wrong in one line', () => {
    expect(errorMessage(invalid)).toBe('invalid input (email: expected an email address; password: at least 10 characters)');
    expect(errorMessage(new ApiError(503, undefined, 'hitmap'))).toBe('HTTP 503');
    expect(errorMessage(new TypeError('Failed to fetch'))).toBe('network error: Failed to fetch');
  });
});
