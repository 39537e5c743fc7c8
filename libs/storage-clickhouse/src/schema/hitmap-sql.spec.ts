import { HITMAP_ROWS, hitmapRow, hitmapRowUpperBoundsMs } from '@meridian/domain';
import { hitmapRowBandSql, hitmapRowSql } from './hitmap-sql';
import { openTestClickHouse, type TestClickHouse } from '../testing';

describe('hitmapRowSql', () => {
  let ch: TestClickHouse;
  beforeAll(async () => {
    ch = await openTestClickHouse(['r'], { migrate: false });
  });
  afterAll(() => ch.close());

  it('has one branch per threshold of the domain layout', () => {
    const sql = hitmapRowSql('d');
    expect(sql.match(/\bd < /g)).toHaveLength(HITMAP_ROWS - 1);
    expect(sql.endsWith(`, ${HITMAP_ROWS - 1}))`)).toBe(true);
  });

  it('the band form has one branch per band of equal-width rows', () => {
    expect(hitmapRowBandSql('d').match(/\bd < /g)).toHaveLength(5);
  });

  it.each([
    ['per threshold', hitmapRowSql],
    ['per band', hitmapRowBandSql],
  ])('%s: gives the same row as hitmapRow() for every threshold ±1 ns and thousands of random durations', async (_name, sqlOf) => {
    const ns: number[] = [0, 1, 999_999, 1_000_000, 3_600_000_000_000];
    for (const ms of hitmapRowUpperBoundsMs()) ns.push(ms * 1e6 - 1, ms * 1e6, ms * 1e6 + 1);
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) ns.push(Math.floor(rand() * 100_000 * 1e6)); // 0..100 s
    for (let i = 0; i < 1000; i++) ns.push(Math.floor(rand() * 5_000 * 1e6)); // dense under 5 s

    const rs = await ch.stores.r.client.query({
      query: `SELECT d, ${sqlOf('d')} AS y, toTypeName(y) AS t FROM (SELECT arrayJoin({ds:Array(UInt64)}) AS d)`,
      format: 'JSONEachRow',
      query_params: { ds: ns },
    });
    const rows = await rs.json<{ d: number | string; y: number; t: string }>();
    expect(rows).toHaveLength(ns.length);
    const mismatches = rows.filter((r) => r.y !== hitmapRow(Number(r.d) / 1e6));
    expect(mismatches).toEqual([]);
    expect(new Set(rows.map((r) => r.y)).size).toBe(HITMAP_ROWS); // every row exercised
    expect(new Set(rows.map((r) => r.t))).toEqual(new Set(['UInt8']));
  });

  it('the band form also holds for the largest durations (no overflow in the subtraction)', async () => {
    const rs = await ch.stores.r.client.query({
      query: `SELECT ${hitmapRowBandSql('d')} AS y FROM (SELECT arrayJoin([toUInt64(18446744073709551615), toUInt64(78000000000), toUInt64(77999999999)]) AS d)`,
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ y: number }>()).map((r) => r.y)).toEqual([HITMAP_ROWS - 1, HITMAP_ROWS - 1, HITMAP_ROWS - 2]);
  });
});
