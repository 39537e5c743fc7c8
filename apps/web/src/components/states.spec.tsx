import { countDown } from './states';

describe('countDown (an error notice’s retry of a refused read)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks the seconds left once a second, then retries once', () => {
    const ticks: number[] = [];
    const done = jest.fn();
    countDown(3, (left) => ticks.push(left), done);
    jest.advanceTimersByTime(999);
    expect(ticks).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ticks).toEqual([2]);
    expect(done).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2_000);
    expect(ticks).toEqual([2, 1, 0]);
    expect(done).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10_000);
    expect(ticks).toEqual([2, 1, 0]);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('retries nothing once stopped (the notice went away or a new error came)', () => {
    const done = jest.fn();
    const stop = countDown(2, () => undefined, done);
    jest.advanceTimersByTime(1_000);
    stop();
    jest.advanceTimersByTime(5_000);
    expect(done).not.toHaveBeenCalled();
  });
});
