import { normalizeTraceId, searchFromParams, searchToParams, searchToQuery } from './search';

describe('trace search in the URL', () => {
  it('reads every filter back from the link it wrote', () => {
    const s = searchFromParams(
      new URLSearchParams(
        'last=6h&service=checkout&endpoint=GET%20%2Fa&minMs=100&maxMs=2000&status=error&httpStatus=503&attrs=a%3D1%0Ab~x&sort=duration&order=asc&cursor=abc',
      ),
    );
    expect(s).toEqual({
      window: '6h',
      service: 'checkout',
      endpoint: 'GET /a',
      minMs: 100,
      maxMs: 2000,
      status: 'error',
      httpStatus: 503,
      attrs: 'a=1\nb~x',
      sort: 'duration',
      order: 'asc',
      cursor: 'abc',
    });
    const back = new URLSearchParams(Object.entries(searchToParams(s)).filter((e): e is [string, string] => e[1] !== undefined));
    expect(searchFromParams(back)).toEqual(s);
  });

  it('drops what it does not recognise and leaves defaults out of links', () => {
    const s = searchFromParams(new URLSearchParams('last=99d&status=maybe&minMs=abc&sort=spans&order=up&service=%20'));
    expect(s).toEqual({ window: '1h', sort: 'start', order: 'desc' });
    expect(Object.values(searchToParams(s)).filter((v) => v !== undefined)).toEqual([]);
  });

  it('asks the API for the trace alone when an id is given, else the filters over the window', () => {
    expect(searchToQuery({ window: '1h', sort: 'start', order: 'desc', traceId: 'ab', service: 'x' })).toEqual({ traceId: 'ab' });
    expect(searchToQuery({ window: '15m', sort: 'duration', order: 'desc', service: 'x' })).toMatchObject({
      last: '15m',
      service: 'x',
      sort: 'duration',
      limit: 50,
    });
  });

  it('accepts a pasted trace id with dashes, spaces or capitals', () => {
    expect(normalizeTraceId(' 0AF7651916CD43DD-8448EB211C80319C ')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(normalizeTraceId('0af7651916cd43dd8448eb211c80319')).toBeUndefined();
    expect(normalizeTraceId('zz f7651916cd43dd8448eb211c80319c')).toBeUndefined();
  });
});
