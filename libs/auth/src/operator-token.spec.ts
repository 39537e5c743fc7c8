import { ForbiddenException } from '@nestjs/common';
import { OperatorToken } from './operator-token';

describe('OperatorToken', () => {
  const token = 'op-token-0123456789abcdefghij';

  it('accepts exactly the configured token as a bearer token', () => {
    const check = new OperatorToken(token);
    expect(check.configured).toBe(true);
    expect(() => check.check(`Bearer ${token}`)).not.toThrow();
    expect(() => check.check(`bearer ${token} `)).not.toThrow();
  });

  it.each([undefined, '', token, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Bearer ${token.toUpperCase()}`, 'Bearer mrd_at_abc', `Basic ${token}`])(
    'refuses %j with 403 saying how to send it',
    (header) => {
      const check = new OperatorToken(token);
      expect(() => check.check(header)).toThrow(ForbiddenException);
      expect(() => check.check(header)).toThrow('send the operator token as "Authorization: Bearer <token>"');
    },
  );

  it('refuses everything when no token is configured, saying how to enable it', () => {
    const check = new OperatorToken(undefined);
    expect(check.configured).toBe(false);
    expect(() => check.check('Bearer ')).toThrow(ForbiddenException);
    expect(() => check.check(`Bearer ${token}`)).toThrow(/set MERIDIAN_OPERATOR_TOKEN \(config server\.operatorToken/);
  });
});
