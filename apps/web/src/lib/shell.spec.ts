import { execFileSync } from 'node:child_process';
import { shellExports } from './shell';

describe('shellExports', () => {
  it('produces lines a real shell reads back to the exact values', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer mrd_ik_abc$HOME',
      ODD: `it's "quoted" & $(not run)`,
    };
    const script = `${shellExports(env)}\nprintf '%s\\n' "$OTEL_EXPORTER_OTLP_ENDPOINT" "$OTEL_EXPORTER_OTLP_HEADERS" "$ODD"`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(out.split('\n').slice(0, 3)).toEqual(Object.values(env));
  });
});
