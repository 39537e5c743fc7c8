import { millisToDateTime64, nanosToDateTime64 } from './time';

describe('nanosToDateTime64', () => {
  it('writes exact "<seconds>.<9-digit nanos>"', () => {
    expect(nanosToDateTime64(1_700_000_000_123_456_789n)).toBe('1700000000.123456789');
    expect(nanosToDateTime64(5n)).toBe('0.000000005');
    expect(millisToDateTime64(1_700_000_000_123)).toBe('1700000000.123000000');
    expect(millisToDateTime64(1.5)).toBe('0.001500000');
  });

  it('clamps to what DateTime64(9) holds (1970 … 2262-04-11), so one bad value cannot fail a whole insert', () => {
    expect(nanosToDateTime64(-1n)).toBe('0.000000000');
    expect(nanosToDateTime64(2n ** 63n - 1n)).toBe('9223372036.854775807');
    expect(nanosToDateTime64(2n ** 63n)).toBe('9223372036.854775807');
    expect(nanosToDateTime64(2n ** 64n - 1n)).toBe('9223372036.854775807');
  });
});
