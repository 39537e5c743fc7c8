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

describe('intake.itemLimits', () => {
  it('defaults to the OpenTelemetry SDK limits and one day of clock skew; env vars set every value', () => {
    expect(loadConfig({}).intake.itemLimits).toEqual({ maxAttributesPerItem: 128, maxAttributeValueBytes: 16_384, maxEventsPerSpan: 128, maxLinksPerSpan: 128, maxFutureSkewMs: 86_400_000 });
    const cfg = loadConfig({
      MERIDIAN_MAX_ATTRIBUTES_PER_ITEM: '64',
      MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES: '4096',
      MERIDIAN_MAX_EVENTS_PER_SPAN: '0',
      MERIDIAN_MAX_LINKS_PER_SPAN: '16',
      MERIDIAN_MAX_FUTURE_SKEW_MS: '60000',
    });
    expect(cfg.intake.itemLimits).toEqual({ maxAttributesPerItem: 64, maxAttributeValueBytes: 4096, maxEventsPerSpan: 0, maxLinksPerSpan: 16, maxFutureSkewMs: 60_000 });
  });

  it('names the variable and the fix for bad values', () => {
    const problems = problemsOf(() =>
      loadConfig({ MERIDIAN_MAX_ATTRIBUTES_PER_ITEM: '0', MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES: 'lots', MERIDIAN_MAX_EVENTS_PER_SPAN: '-1', MERIDIAN_MAX_FUTURE_SKEW_MS: String(2 * 86_400_000) }),
    ).join('\n');
    expect(problems).toMatch(/MERIDIAN_MAX_ATTRIBUTES_PER_ITEM \(intake\.itemLimits\.maxAttributesPerItem\): expected a positive integer/);
    expect(problems).toMatch(/MERIDIAN_MAX_ATTRIBUTE_VALUE_BYTES \(intake\.itemLimits\.maxAttributeValueBytes\)/);
    expect(problems).toMatch(/MERIDIAN_MAX_EVENTS_PER_SPAN \(intake\.itemLimits\.maxEventsPerSpan\)/);
    expect(problems).toMatch(/MERIDIAN_MAX_FUTURE_SKEW_MS \(intake\.itemLimits\.maxFutureSkewMs\): expected at most 86400000 \(1 day\)/);
  });
});
