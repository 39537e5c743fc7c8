import { z } from 'zod';
import { issueFromZod } from './field-error';

/** The issues a schema raises for `input`, as the API answers them. */
function issues(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected a validation error');
  return result.error.issues.map((i) => issueFromZod('body', i, input));
}

describe('field issues carry a code and parameters a client can word in its own language', () => {
  const schema = z.strictObject({
    name: z.string().min(3).max(10),
    email: z.email(),
    kind: z.enum(['ingest', 'api']),
    count: z.number().int().max(50).optional(),
  });

  it('names the field and says what is wrong with which limits', () => {
    const got = issues(schema, { name: 'ab', email: 'nope', kind: 'other', count: 51, extra: 1 });
    const byField = Object.fromEntries(got.map((i) => [i.field, i]));
    expect(byField['body.name']).toMatchObject({ code: 'too_small', params: { minimum: 3, origin: 'string' } });
    expect(byField['body.email']).toMatchObject({ code: 'invalid_format', params: { format: 'email' } });
    expect(byField['body.kind']).toMatchObject({ code: 'invalid_value', params: { values: 'ingest, api' } });
    expect(byField['body.count']).toMatchObject({ code: 'too_big', params: { maximum: 50, origin: 'number' } });
    expect(byField.body).toMatchObject({ code: 'unknown_keys', params: { keys: 'extra' } });
    // The English text stays for people reading the API.
    for (const i of got) expect(i.message).toEqual(expect.any(String));
  });

  it('tells a missing field from one of the wrong type', () => {
    const got = issues(schema, { name: 12, kind: 'api' });
    expect(got.find((i) => i.field === 'body.name')).toMatchObject({ code: 'invalid_type', params: { expected: 'string' } });
    expect(got.find((i) => i.field === 'body.email')).toMatchObject({ code: 'required' });
    expect(got.find((i) => i.field === 'body.email')?.params).toBeUndefined();
  });

  it('leaves custom refinements to their message', () => {
    const got = issues(
      z.string().refine((s) => s.startsWith('x'), 'must start with x'),
      'y',
    );
    expect(got).toEqual([{ field: 'body', message: 'must start with x' }]);
  });
});
