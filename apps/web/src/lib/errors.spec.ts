import { ApiError } from '@meridian/api-contract';
import { autoRetrySeconds, errorMessage, fieldErrors, issueText, readRefusal } from './errors';

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

  describe('the server’s read limits (apps/server/src/read-limits.ts)', () => {
    // The bodies as ReadLimitFilter writes them (read-limits.spec.ts); retryAfterSeconds as ApiClient reads the header.
    const timeout = new ApiError(
      504,
      {
        statusCode: 504,
        error: 'Gateway Timeout',
        reason: 'execution_timeout',
        message: 'the query ran longer than 30 s and was stopped; narrow the time window or add filters',
      },
      'hitmap',
    );
    const refused = (status: number, reason: string, retryAfterSeconds?: number) =>
      new ApiError(status, { statusCode: status, reason, message: `read waited 10000 ms for a slot; retry later` }, 'services', retryAfterSeconds);

    it('says a read stopped at the time limit took longer than the limit, and what to narrow', () => {
      expect(errorMessage(timeout)).toBe('This query took longer than 30 s and was stopped — narrow the time window or add filters.');
      expect(errorMessage(timeout, 'ja')).toBe('このクエリは 30 秒を超えたため停止されました。時間範囲を狭めるか、フィルターを追加してください。');
      // A 504 from a proxy in front: no limit to name.
      expect(errorMessage(new ApiError(504, { statusCode: 504, message: '<html>Gateway Time-out</html>' }, 'hitmap'))).toBe(
        'This query took too long and was stopped — narrow the time window or add filters.',
      );
      // The same read would take as long again: no retry on its own.
      expect(autoRetrySeconds(timeout)).toBeUndefined();
    });

    it('says the tenant’s own queries fill its share (429), retrying on its own after Retry-After or asking the user to', () => {
      for (const reason of ['queue_full', 'tenant_wait_timeout']) {
        expect(readRefusal(refused(429, reason, 1))).toEqual({ kind: 'tenant_busy', retryAfterSeconds: 1 });
        expect(errorMessage(refused(429, reason, 1))).toBe('Too many queries for this tenant are running — try again shortly.');
      }
      const waited = refused(429, 'tenant_wait_timeout', 10);
      expect(autoRetrySeconds(waited)).toBe(10);
      expect(errorMessage(waited, 'en', 10)).toBe('Too many queries for this tenant are running — retrying in 10 s.');
      expect(errorMessage(waited, 'en', 0)).toBe('Too many queries for this tenant are running — retrying…');
      expect(errorMessage(waited, 'ja', 3)).toBe('このテナントで実行中のクエリが多すぎます。3 秒後に再試行します。');
      expect(errorMessage(waited, 'ja')).toBe('このテナントで実行中のクエリが多すぎます。しばらくしてからもう一度お試しください。');
      // No Retry-After: 5 s; a long one: at most 30 s while the page is on screen.
      expect(autoRetrySeconds(refused(429, 'queue_full'))).toBe(5);
      expect(autoRetrySeconds(refused(429, 'queue_full', 3600))).toBe(30);
    });

    it('says the server is busy with other queries (503 engine_busy)', () => {
      const busy = refused(503, 'engine_busy', 10);
      expect(readRefusal(busy)).toEqual({ kind: 'engine_busy', retryAfterSeconds: 10 });
      expect(errorMessage(busy, 'en', 4)).toBe('The server is busy with other queries — retrying in 4 s.');
      expect(errorMessage(busy, 'ja')).toBe('サーバーがほかのクエリで混み合っています。しばらくしてからもう一度お試しください。');
      expect(autoRetrySeconds(busy)).toBe(10);
    });

    it('leaves other 429s and 503s in the server’s words and retries nothing else on its own', () => {
      const signIn = new ApiError(429, { statusCode: 429, message: 'too many sign-in attempts; try again in 60 s' }, 'signIn');
      expect(readRefusal(signIn)).toBeUndefined();
      expect(errorMessage(signIn)).toBe('too many sign-in attempts; try again in 60 s');
      expect(autoRetrySeconds(signIn)).toBeUndefined();
      expect(errorMessage(refused(503, 'not_ready'))).toBe('read waited 10000 ms for a slot; retry later');
      expect(autoRetrySeconds(new ApiError(400, { statusCode: 400, message: 'bad' }, 'hitmap'))).toBeUndefined();
      expect(autoRetrySeconds(new TypeError('Failed to fetch'))).toBeUndefined();
    });
  });
});
