import { decodeTraces } from '@meridian/otlp';
import { buildSpanRows, serializeRows } from './index';

describe('serializeRows', () => {
  it('writes JSONEachRow: one parseable object per line, each line ending in \\n', () => {
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: ['1', '2', '3'].map((n) => ({
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: `000000000000000${n}`,
                name: `line\nbreak "quoted" 한국어 ${n}`,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000000000001',
                attributes: [{ key: 'a\tb', value: { stringValue: '\u0000\u2028' } }],
              })),
            },
          ],
        },
      ],
    };
    const rows = buildSpanRows(decodeTraces(Buffer.from(JSON.stringify(body)), 'json'), { tenantId: 't', retentionDays: 1 });
    const out = serializeRows(rows).toString('utf8');
    expect(out.endsWith('\n')).toBe(true);
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l))).toEqual(rows);
  });

  it('writes nothing for no rows', () => {
    expect(serializeRows([])).toHaveLength(0);
  });
});
