import { LoginThrottle, SignupMailThrottle, ThrottledError, TooManyAttemptsError } from './login-throttle';

describe('LoginThrottle', () => {
  const options = { attemptsPerIp: 20, failuresPerAccountIp: 3, delayAfterFailures: 2, maxDelayMs: 1_000 };

  it('throttles only the (account, IP) pair that failed: the same account from a clean IP is admitted', async () => {
    const t = new LoginThrottle(options);
    for (let i = 0; i < 3; i++) await t.failed('victim@example.com', '203.0.113.9');
    await expect(t.admit('victim@example.com', '203.0.113.9')).rejects.toMatchObject({ reason: 'account-ip' });
    await expect(t.admit('victim@example.com', '198.51.100.7')).resolves.toEqual({ delayMs: expect.any(Number) });
    await expect(t.admit('other@example.com', '203.0.113.9')).resolves.toEqual({ delayMs: 0 });
  });

  it('spends the per-IP budget per address only', async () => {
    const t = new LoginThrottle(options);
    for (let i = 0; i < 20; i++) await t.admit(`spray-${i}@example.com`, '203.0.113.9');
    const refused = await t.admit('victim@example.com', '203.0.113.9').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ThrottledError);
    expect(refused).toMatchObject({ reason: 'ip', retryAfterSeconds: expect.any(Number) });
    await expect(t.admit('victim@example.com', '198.51.100.7')).resolves.toEqual({ delayMs: 0 });
  });

  it('delays an account progressively after failures from many IPs, up to the cap, and a success resets it', async () => {
    const t = new LoginThrottle(options);
    const account = 'victim@example.com';
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      delays.push((await t.admit(account, `203.0.113.${i}`)).delayMs);
      await t.failed(account, `203.0.113.${i}`);
    }
    expect(delays).toEqual([0, 0, 250, 500, 1_000, 1_000, 1_000, 1_000]);
    await t.succeeded(account, '198.51.100.7');
    expect((await t.admit(account, '198.51.100.7')).delayMs).toBe(0);
  });

  it('caps sign-up emails per recipient whatever the IP, and per IP whatever the recipient', async () => {
    let throttled = 0;
    const t = new SignupMailThrottle(5, 2, () => throttled++);
    await t.consume('victim@example.com', '203.0.113.1');
    await t.consume('victim@example.com', '203.0.113.2');
    await expect(t.consume('victim@example.com', '203.0.113.3')).rejects.toBeInstanceOf(TooManyAttemptsError);
    for (let i = 0; i < 4; i++) await t.consume(`other-${i}@example.com`, '198.51.100.1');
    await expect(t.consume('fresh@example.com', '198.51.100.1')).resolves.toBeUndefined();
    await expect(t.consume('fresh2@example.com', '198.51.100.1')).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(throttled).toBe(2);
  });
});
