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

describe('intake.limits, intake.replicas, intake.usageFlushMs', () => {
  it('defaults per tenant (20k spans/s, 50k points/s, 20k logs/s, 32 MiB/s, 2 s burst); each env var sets its value and leaves the others', () => {
    expect(loadConfig({}).intake).toMatchObject({
      limits: { spansPerSecond: 20_000, dataPointsPerSecond: 50_000, logRecordsPerSecond: 20_000, bytesPerSecond: 32 * 1024 * 1024, burstSeconds: 2 },
      replicas: 1,
      usageFlushMs: 5_000,
    });
    const cfg = loadConfig({
      MERIDIAN_INTAKE_SPANS_PER_SECOND: '2000',
      MERIDIAN_INTAKE_LOG_RECORDS_PER_SECOND: '300',
      MERIDIAN_INTAKE_BURST_SECONDS: '0.5',
      MERIDIAN_INTAKE_REPLICAS: '4',
      MERIDIAN_USAGE_FLUSH_MS: '1000',
    });
    expect(cfg.intake.limits).toEqual({ spansPerSecond: 2_000, dataPointsPerSecond: 50_000, logRecordsPerSecond: 300, bytesPerSecond: 32 * 1024 * 1024, burstSeconds: 0.5 });
    expect(cfg.intake).toMatchObject({ replicas: 4, usageFlushMs: 1_000 });
  });

  it('names the variable and the fix for bad values', () => {
    const problems = problemsOf(() =>
      loadConfig({ MERIDIAN_INTAKE_DATA_POINTS_PER_SECOND: '0', MERIDIAN_INTAKE_BYTES_PER_SECOND: 'lots', MERIDIAN_INTAKE_BURST_SECONDS: '0', MERIDIAN_INTAKE_REPLICAS: '1.5', MERIDIAN_USAGE_FLUSH_MS: '10' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'MERIDIAN_INTAKE_DATA_POINTS_PER_SECOND (intake.limits.dataPointsPerSecond): expected a positive integer',
        'MERIDIAN_INTAKE_BYTES_PER_SECOND (intake.limits.bytesPerSecond): expected a positive integer',
        'MERIDIAN_INTAKE_BURST_SECONDS (intake.limits.burstSeconds): expected at least 0.1 s',
        'MERIDIAN_INTAKE_REPLICAS (intake.replicas): expected a positive integer',
        'MERIDIAN_USAGE_FLUSH_MS (intake.usageFlushMs): expected at least 100 ms',
      ]),
    );
    expect(problems).toHaveLength(5);
  });
});
