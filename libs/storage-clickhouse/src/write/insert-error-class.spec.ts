import { classifyInsertError, DATA_CODES, TRANSIENT_CODES } from './insert-error-class';
import { openTestClickHouse, type TestClickHouse } from '../testing';

describe('classifyInsertError', () => {
  let ch: TestClickHouse;
  beforeAll(async () => {
    ch = await openTestClickHouse(['codes'], { migrate: false });
  });
  afterAll(() => ch.close());

  it('names every listed code as the engine does (no guessed numbers), and no code is in both lists', async () => {
    const listed = { ...TRANSIENT_CODES, ...DATA_CODES };
    const codes = Object.keys(listed).map(Number);
    const rs = await ch.stores.codes.client.query({
      query: 'SELECT code, errorCodeToName(code) AS name FROM (SELECT arrayJoin({codes:Array(UInt32)}) AS code) ORDER BY code',
      query_params: { codes },
      format: 'JSONEachRow',
    });
    const names = Object.fromEntries((await rs.json<{ code: number; name: string }>()).map((r) => [r.code, r.name]));
    expect(names).toEqual(Object.fromEntries(codes.map((c) => [c, listed[c]])));
    expect(Object.keys(TRANSIENT_CODES).filter((c) => c in DATA_CODES)).toEqual([]);
  });

  it('reads the class from the error the client throws', () => {
    const chError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(classifyInsertError(chError('407'))).toBe('data'); // DateTime64 overflow
    expect(classifyInsertError(chError('25'))).toBe('data'); // lone surrogate escape
    expect(classifyInsertError(chError('241'))).toBe('transient');
    expect(classifyInsertError(chError('60'))).toBe('transient');
    expect(classifyInsertError(chError('252', 'Too many parts (300 with average size of 1.00 KiB) in table'))).toBe('transient');
    expect(classifyInsertError(chError('252', 'Too many partitions for single INSERT block (more than 100).'))).toBe('too_many_partitions');
    expect(classifyInsertError(chError('12345'))).toBe('unknown');
    // No ClickHouse code: the network or the engine, never the rows.
    expect(classifyInsertError(chError('ECONNREFUSED'))).toBe('transient');
    expect(classifyInsertError(new Error('Timeout error.'))).toBe('transient');
    expect(classifyInsertError(undefined)).toBe('transient');
  });
});
