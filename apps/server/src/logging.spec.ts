import { JsonLogger } from './logging';

describe('JsonLogger', () => {
  const capture = (levels?: ReadonlySet<'log' | 'warn' | 'error' | 'fatal'>) => {
    const lines: string[] = [];
    return {
      logger: new JsonLogger('intake,ingester', levels, (l) => lines.push(l)),
      records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  };

  it("writes one object per line with time, level, msg, role and Nest's context", () => {
    const { logger, records } = capture();
    logger.warn('kafka consumer crashed', 'bus');
    logger.error('insert failed', 'Error: boom\n    at x', 'ingester');
    expect(records()).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'warn', msg: 'kafka consumer crashed', role: 'intake,ingester', context: 'bus' },
      { time: expect.any(String), level: 'error', msg: 'insert failed', role: 'intake,ingester', context: 'ingester', stack: 'Error: boom\n    at x' },
    ]);
  });

  it("leaves out Nest's chatty log level unless asked, as the text format does", () => {
    const quiet = capture();
    quiet.logger.log('Mapped {/api/v1/…, GET} route', 'RouterExplorer');
    expect(quiet.records()).toEqual([]);
    const all = capture(new Set(['log', 'warn', 'error', 'fatal']));
    all.logger.log({ started: true });
    expect(all.records()).toEqual([expect.objectContaining({ level: 'info', msg: '{"started":true}' })]);
  });
});
