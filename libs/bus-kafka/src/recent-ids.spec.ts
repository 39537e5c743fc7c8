import { RecentIds } from './recent-ids';

/** Records ids at consecutive offsets from `from`; returns the offsets found to be copies. */
function feed(r: RecentIds, from: bigint, ids: string[]): bigint[] {
  return ids.flatMap((id, i) => (r.record(from + BigInt(i), id) ? [from + BigInt(i)] : []));
}

describe('RecentIds', () => {
  it('finds a copy within the window before it, not one further back', () => {
    const r = new RecentIds(3, 0n, true);
    // a at 0, copy at 2 (distance 2); b at 1, copy at 5 (distance 4 > 3)
    expect(feed(r, 0n, ['a', 'b', 'a', 'c', 'd', 'b'])).toEqual([2n]);
  });

  it('compares with the nearest earlier copy, so any owner that knows the window decides alike', () => {
    // x at 0, 3 and 6: 3 is a copy of 0, 6 of 3 (0 is out of the window of 6, 3 is not)
    const all = new RecentIds(3, 0n, true);
    expect(feed(all, 0n, ['x', 'p', 'q', 'x', 'r', 's', 'x'])).toEqual([3n, 6n]);
    // An owner that starts at offset 3 and read back 3 offsets before it decides the same for 3..6.
    const late = new RecentIds(3, 0n, true);
    feed(late, 0n, ['x', 'p', 'q']);
    expect(late.knowsWindowBefore(3n)).toBe(true);
    expect(feed(late, 3n, ['x', 'r', 's', 'x'])).toEqual([3n, 6n]);
  });

  it('knows the window before an offset only from what it read (or the log start)', () => {
    const r = new RecentIds(3, 10n, false);
    expect(r.knowsWindowBefore(10n)).toBe(false);
    feed(r, 10n, ['a', 'b', 'c']);
    expect(r.knowsWindowBefore(13n)).toBe(true);
    expect(r.knowsWindowBefore(12n)).toBe(false);
    expect(r.knowsWindowBefore(14n)).toBe(false); // 13 not read yet
    expect(new RecentIds(3, 10n, true).knowsWindowBefore(10n)).toBe(true); // nothing before the log start
  });

  it('truncate forgets offsets to be read again; prune forgets old ones and bounds memory', () => {
    const r = new RecentIds(2, 0n, true);
    feed(r, 0n, ['a', 'b', 'c', 'd']);
    r.truncate(2n); // c and d will be read again: not copies of themselves
    expect(r.next).toBe(2n);
    expect(feed(r, 2n, ['c', 'd', 'c'])).toEqual([4n]);
    r.prune(3n);
    expect(r.firstKnown).toBe(3n);
    expect(r.knowsWindowBefore(5n)).toBe(true);
    expect(r.knowsWindowBefore(4n)).toBe(false);
    expect(feed(r, 5n, ['b'])).toEqual([]); // b at 1 was pruned (and out of the window anyway)
    expect(() => r.truncate(1n)).toThrow(/offsets below 3 are not known/);
    expect(() => r.record(2n, 'z')).toThrow(/out of order/);
  });

  it('prunes as commits advance, however long the partition, and still finds copies in the window', () => {
    const r = new RecentIds(100, 0n, true);
    const copies: bigint[] = [];
    for (let o = 0n; o < 50_000n; o++) {
      if (r.record(o, o % 1_000n === 999n ? `id-${o - 50n}` : `id-${o}`)) copies.push(o);
      if (o % 500n === 0n) r.prune(o - 100n);
    }
    expect(copies).toHaveLength(50); // every 1 000th offset repeats the id 50 offsets before it
    expect(r.firstKnown).toBe(49_400n);
    expect(r.knowsWindowBefore(50_000n)).toBe(true);
  });
});
