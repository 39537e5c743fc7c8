import { ConfigError, loadConfig } from './load-config';

describe('server.operatorToken', () => {
  it('is unset by default (operator routes answer 403) and read from MERIDIAN_OPERATOR_TOKEN', () => {
    expect(loadConfig({}).server.operatorToken).toBeUndefined();
    const token = 'an-operator-token-of-enough-length';
    expect(loadConfig({ MERIDIAN_OPERATOR_TOKEN: token }).server.operatorToken).toBe(token);
  });

  it('refuses a short token naming the variable and how to make a good one, without echoing it', () => {
    let problems: string[] = [];
    try {
      loadConfig({ MERIDIAN_OPERATOR_TOKEN: 'hunter2-secret' });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems.join('\n')).toMatch(/MERIDIAN_OPERATOR_TOKEN \(server\.operatorToken\): expected at least 24 characters, e\.g\. the output of: openssl rand -base64 32/);
    expect(problems.join('\n')).not.toContain('hunter2-secret');
  });
});
