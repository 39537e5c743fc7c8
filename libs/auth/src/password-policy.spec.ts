import { passwordProblem } from './password-policy';

describe('passwordProblem', () => {
  const email = 'alice.tanaka@example.com';

  it.each([
    ['          ', /only spaces/],
    ['aaaaaaaaaa', /too few characters/],
    ['ababababab', /too few characters/],
    ['password12', /common password/],
    ['Password123!', /common password/],
    ['qwertyuiop', /run of keys|common/],
    ['abcdefghijk', /run of keys/],
    ['9876543210', /run of keys/],
    ['alice.tanaka@example.com', /email/],
    ['alicetanaka2026', /email/],
  ])('refuses %j', (password, reason) => {
    expect(passwordProblem(password, { email })).toMatch(reason);
  });

  it.each(['correct horse battery staple', 'tsukimi dango 2026', 'b7#Lq9!vXz2m'])('accepts %j', (password) => {
    expect(passwordProblem(password, { email })).toBeUndefined();
  });
});
