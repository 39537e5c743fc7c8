import { errorFacts, httpFacts, spanCategory, spanEndMs, sqlFacts, type TraceSpan } from './span-facts';

function span(over: Partial<TraceSpan>): TraceSpan {
  return {
    tenantId: 't',
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    traceState: '',
    startTime: '',
    startUnixNanos: '0',
    endTime: '',
    endUnixNanos: '0',
    durationNs: '0',
    durationMs: 0,
    service: 'svc',
    spanName: 'op',
    endpoint: 'op',
    kind: 'INTERNAL',
    isEntry: false,
    txnService: 'svc',
    txnEndpoint: 'op',
    statusCode: 'UNSET',
    statusMessage: '',
    isError: false,
    httpMethod: '',
    httpStatus: 0,
    httpRoute: '',
    urlPath: '',
    dbSystem: '',
    dbName: '',
    dbInstance: '',
    dbOperation: '',
    dbStatement: '',
    dbFingerprint: '',
    peerService: '',
    hostName: '',
    scopeName: '',
    scopeVersion: '',
    resourceAttributes: {},
    attributes: {},
    events: [],
    links: [],
    retentionDays: 30,
    ...over,
  };
}

describe('span facts for the trace view', () => {
  it('shows the normalized SQL and the raw statement only when it differs', () => {
    const raw = 'SELECT * FROM orders WHERE id = 42';
    expect(
      sqlFacts(span({ dbSystem: 'postgresql', dbStatement: raw, dbFingerprint: 'SELECT * FROM orders WHERE id = ?', dbInstance: 'pg:5432', dbName: 'shop' })),
    ).toEqual({
      system: 'postgresql',
      instance: 'pg:5432',
      dbName: 'shop',
      operation: '',
      fingerprint: 'SELECT * FROM orders WHERE id = ?',
      raw,
    });
    expect(sqlFacts(span({ dbSystem: 'redis', dbStatement: 'PING', dbFingerprint: 'PING' }))?.raw).toBeUndefined();
    // Statement kept without a fingerprint (not SQL): shown as is.
    expect(sqlFacts(span({ dbStatement: 'GET key' }))?.fingerprint).toBe('GET key');
    expect(sqlFacts(span({}))).toBeUndefined();
  });

  it('does not count database spans without a statement (connection pools) as SQL, but colours them as database time', () => {
    const poolConnect = span({
      spanName: 'pg-pool.connect',
      dbSystem: 'postgresql',
      dbName: 'shop',
      dbInstance: 'pg:5432',
      dbStatement: '',
      dbFingerprint: '',
    });
    expect(sqlFacts(poolConnect)).toBeUndefined();
    expect(sqlFacts({ ...poolConnect, dbStatement: '  ' })).toBeUndefined();
    expect(spanCategory(poolConnect)).toBe('db');
  });

  it('reads HTTP calls: method, route (with the concrete path when it differs), status, direction', () => {
    expect(httpFacts(span({ kind: 'SERVER', httpMethod: 'GET', httpRoute: '/orders/{id}', urlPath: '/orders/42', httpStatus: 200 }))).toEqual({
      method: 'GET',
      target: '/orders/{id}',
      path: '/orders/42',
      status: 200,
      direction: 'in',
    });
    expect(httpFacts(span({ kind: 'CLIENT', httpMethod: 'POST', urlPath: '/pay', httpStatus: 503 }))).toEqual({
      method: 'POST',
      target: '/pay',
      status: 503,
      direction: 'out',
    });
    expect(httpFacts(span({}))).toBeUndefined();
  });

  it('collects the error status and recorded exceptions', () => {
    const s = span({
      isError: true,
      statusCode: 'ERROR',
      statusMessage: 'gateway down',
      events: [
        { time: '', unixNanos: '0', name: 'cache.miss', attributes: {} },
        {
          time: '',
          unixNanos: '0',
          name: 'exception',
          attributes: { 'exception.type': 'Error', 'exception.message': 'payment gateway down', 'exception.stacktrace': 'Error: …\n at pay' },
        },
      ],
    });
    expect(errorFacts(s)).toEqual({
      statusMessage: 'gateway down',
      exceptions: [{ type: 'Error', message: 'payment gateway down', stacktrace: 'Error: …\n at pay' }],
    });
    // An exception recorded on a span that still succeeded is shown too.
    expect(
      errorFacts(span({ events: [{ time: '', unixNanos: '0', name: 'exception', attributes: { 'exception.message': 'retried' } }] }))?.exceptions[0].message,
    ).toBe('retried');
    expect(errorFacts(span({}))).toBeUndefined();
  });

  it('colours bars by what the span is, errors first', () => {
    expect(spanCategory(span({ dbSystem: 'mysql' }))).toBe('db');
    expect(spanCategory(span({ httpMethod: 'GET' }))).toBe('http');
    expect(spanCategory(span({ dbSystem: 'mysql', isError: true }))).toBe('error');
    expect(spanCategory(span({}))).toBe('other');
  });

  it('reads epoch-nanosecond text beyond 2^53 into epoch ms', () => {
    expect(spanEndMs({ endUnixNanos: '1777000000123999999' })).toBe(1_777_000_000_123);
  });
});
