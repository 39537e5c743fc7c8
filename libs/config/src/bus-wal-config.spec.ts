import { ConfigError, loadConfig } from './load-config';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('bus.wal and bus.deadLetters', () => {
  it('the write-ahead log is on by default, fsync always; env vars set every value', () => {
    expect(loadConfig({}).bus.wal).toMatchObject({ enabled: true, fsync: 'always' });
    const cfg = loadConfig({
      MERIDIAN_BUS_WAL: '0',
      MERIDIAN_BUS_WAL_MAX_BYTES: '1000000',
      MERIDIAN_BUS_WAL_SEGMENT_BYTES: '100000',
      MERIDIAN_BUS_WAL_FSYNC: 'off',
      MERIDIAN_BUS_WAL_GROUP_COMMIT_MS: '2',
      MERIDIAN_DEAD_LETTER_TENANT_MAX_BYTES: '100000',
      MERIDIAN_DEAD_LETTER_MAX_BYTES: '1000000',
      MERIDIAN_DEAD_LETTER_TENANT_BYTES_PER_HOUR: '5000',
    });
    expect(cfg.bus.wal).toEqual({ enabled: false, maxBytes: 1_000_000, segmentBytes: 100_000, fsync: 'off', groupCommitMs: 2 });
    expect(cfg.bus.deadLetters).toEqual({ maxBytesPerTenant: 100_000, maxBytesTotal: 1_000_000, kafkaTenantBytesPerHour: 5000 });
  });

  it('names the variable and the fix for bad values', () => {
    const problems = problemsOf(() =>
      loadConfig({ MERIDIAN_BUS_WAL: 'maybe', MERIDIAN_BUS_WAL_FSYNC: 'sometimes' }),
    ).join('\n');
    expect(problems).toMatch(/MERIDIAN_BUS_WAL \(bus\.wal\.enabled\): expected 1\/0/);
    expect(problems).toMatch(/MERIDIAN_BUS_WAL_FSYNC \(bus\.wal\.fsync\)/);
    expect(problemsOf(() => loadConfig({ MERIDIAN_BUS_WAL_MAX_BYTES: '100000', MERIDIAN_BUS_WAL_SEGMENT_BYTES: '80000' })).join('\n')).toMatch(/MERIDIAN_BUS_WAL_SEGMENT_BYTES \(bus\.wal\.segmentBytes\): expected bus\.wal\.segmentBytes at most half of bus\.wal\.maxBytes/,
    );
    expect(problemsOf(() => loadConfig({ MERIDIAN_DEAD_LETTER_TENANT_MAX_BYTES: '2000000000', MERIDIAN_DEAD_LETTER_MAX_BYTES: '1000000' })).join('\n')).toMatch(
      /bus\.deadLetters\.maxBytesPerTenant at most bus\.deadLetters\.maxBytesTotal/,
    );
  });
});
