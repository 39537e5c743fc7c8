import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');
const CHECKED_IN = join(__dirname, 'generated');

// The checked-in decoders are what the vendored .proto files and the installed protobufjs make:
// a change to either without `node scripts/generate-otlp-proto.js` fails here.
describe('generated OTLP code', () => {
  it('is what scripts/generate-otlp-proto.js makes from libs/otlp/proto', () => {
    const out = mkdtempSync(join(tmpdir(), 'otlp-generated-'));
    try {
      execFileSync(process.execPath, [join(REPO, 'scripts/generate-otlp-proto.js'), out]);
      expect(readdirSync(out).sort()).toEqual(readdirSync(CHECKED_IN).sort());
      for (const file of readdirSync(out))
        expect({ file, text: readFileSync(join(out, file), 'utf8') }).toEqual({ file, text: readFileSync(join(CHECKED_IN, file), 'utf8') });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
