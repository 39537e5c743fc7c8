import { MAX_FINGERPRINT_LENGTH, MAX_SQL_INPUT_LENGTH, fingerprintSql, sqlFingerprintReady } from './index';
import type { SqlDialect } from './index';

beforeAll(() => sqlFingerprintReady());

const DIALECTS: SqlDialect[] = ['postgresql', 'mysql', 'generic'];

/** Deterministic pseudo-random junk, so a failure reproduces. */
function junk(length: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += String.fromCharCode(x % 3 === 0 ? (x >>> 8) % 0x10000 : 32 + ((x >>> 8) % 95));
  }
  return s;
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('fingerprintSql: garbage in, no exception out', () => {
  it('returns an empty fingerprint for empty, blank or non-string input', () => {
    expect(fingerprintSql('')).toBe('');
    expect(fingerprintSql('   \n\t ')).toBe('');
    expect(fingerprintSql('-- only a comment')).toBe('');
    expect(fingerprintSql(undefined as unknown as string)).toBe('');
    expect(fingerprintSql(42 as unknown as string)).toBe('');
  });

  it('closes unterminated strings, identifiers and comments at the end of input', () => {
    expect(fingerprintSql("SELECT * FROM t WHERE a = 'oops", 'postgresql')).toBe('SELECT * FROM t WHERE a = ?');
    expect(fingerprintSql('SELECT * FROM t WHERE a = $$never closed', 'postgresql')).toBe('SELECT * FROM t WHERE a = ?');
    expect(fingerprintSql('SELECT * FROM t /* never closed', 'mysql')).toBe('SELECT * FROM t');
    expect(fingerprintSql('SELECT "never closed FROM t', 'postgresql')).toBe('SELECT "never closed FROM t');
    expect(fingerprintSql("SELECT 'a\\", 'mysql')).toBe('SELECT ?');
  });

  it('does not let unbalanced brackets break anything', () => {
    expect(fingerprintSql('SELECT (a, (b FROM t WHERE x IN (1, 2')).toBe('SELECT (a, (b FROM t WHERE x IN (?)');
    expect(fingerprintSql(')) ]] SELECT 1 ((')).toBe('))]] SELECT ? ((');
    expect(fingerprintSql('SELECT a[1:2], b[lo:hi] FROM t WHERE (b ] = 1', 'postgresql')).toBe('SELECT a[? : ?], b[lo : hi] FROM t WHERE (b] = ?');
  });

  it('survives binary junk and random input in every dialect', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const input = junk(300, seed);
      for (const dialect of DIALECTS) {
        const out = fingerprintSql(input, dialect);
        expect(typeof out).toBe('string');
        expect(fingerprintSql(input, dialect)).toBe(out); // stable
      }
    }
    expect(fingerprintSql('\u0000SELECT\u0001 1\u0002 FROM\u0007t')).toBe('SELECT ? FROM t');
  });

  it('never leaves a literal value in the output', () => {
    const secret = 'hunter2';
    const statements = [
      `SELECT * FROM users WHERE password = '${secret}'`,
      `SELECT * FROM users WHERE password = E'${secret}'`,
      `SELECT * FROM users WHERE password IN ('${secret}', '${secret}2')`,
      `INSERT INTO users (name, pw) VALUES ('a', '${secret}'), ('b', '${secret}')`,
    ];
    for (const sql of statements) for (const dialect of DIALECTS) expect(fingerprintSql(sql, dialect)).not.toContain(secret);
    expect(fingerprintSql(`SELECT * FROM users WHERE pw = "${secret}"`, 'mysql')).not.toContain(secret);
    // Dollar quotes: PostgreSQL syntax, also read when the engine is unknown.
    for (const dialect of ['postgresql', 'generic'] as const) {
      expect(fingerprintSql(`SELECT * FROM users WHERE pw = $tag$${secret}$tag$`, dialect)).not.toContain(secret);
    }
  });
});

describe('fingerprintSql: bounded work', () => {
  it(`only reads the first ${MAX_SQL_INPUT_LENGTH} characters`, () => {
    const head = 'SELECT * FROM t WHERE a = 1 AND b = ';
    const long = head + "'" + 'x'.repeat(5 * MAX_SQL_INPUT_LENGTH) + "' AND c = 1";
    expect(fingerprintSql(long)).toBe('SELECT * FROM t WHERE a = ? AND b = ?');
  });

  it(`caps the fingerprint at ${MAX_FINGERPRINT_LENGTH} characters`, () => {
    const wide = 'SELECT ' + Array.from({ length: 4000 }, (_, i) => `column_${i}`).join(', ') + ' FROM t';
    const out = fingerprintSql(wide);
    expect(out.length).toBeLessThanOrEqual(MAX_FINGERPRINT_LENGTH);
    expect(out.startsWith('SELECT column_0, column_1,')).toBe(true);
  });

  it('gives a bulk insert cut off mid-batch the same fingerprint as a small one', () => {
    const rows = (n: number, width: number) =>
      'INSERT INTO events (id, name) VALUES ' + Array.from({ length: n }, (_, i) => `(${i}, '${'n'.repeat(width)}${i}')`).join(', ');
    const expected = 'INSERT INTO events (id, name) VALUES (?, ?)';
    expect(fingerprintSql(rows(3, 5), 'postgresql')).toBe(expected);
    for (const width of [1, 7, 20, 33]) expect(fingerprintSql(rows(20_000, width), 'postgresql')).toBe(expected);
  });

  it('gives an IN list cut off mid-list the same fingerprint as a short one', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => i * 13);
    expect(fingerprintSql(`SELECT * FROM t WHERE id IN (${ids.join(', ')}) AND x = 1`)).toBe('SELECT * FROM t WHERE id IN (?)');
    expect(fingerprintSql(`SELECT * FROM t WHERE (a, b) IN (${ids.map((i) => `(${i}, ${i})`).join(', ')})`)).toBe('SELECT * FROM t WHERE (a, b) IN ((?, ?))');
  });

  it('stays fast on pathological input (linear work, capped input)', () => {
    const pathological = [
      '('.repeat(100_000),
      'x IN ((1, 2), (1, 2), ('.repeat(10_000),
      'VALUES (1)' + ', (1, (2))'.repeat(20_000),
      "'".repeat(100_000),
      '$a$'.repeat(50_000),
      '/*'.repeat(50_000),
      '=-'.repeat(50_000),
      '[a'.repeat(50_000),
      'a.'.repeat(50_000),
      junk(100_000, 7),
    ];
    for (const input of pathological) {
      for (const dialect of DIALECTS) {
        // Generous bound for a shared CI machine; typical cost is a few milliseconds.
        expect(timeMs(() => fingerprintSql(input, dialect))).toBeLessThan(250);
      }
    }
  });

  it('costs well under the ingest budget for a typical statement', () => {
    const sql =
      'SELECT "orders"."id", "orders"."total" FROM "orders" WHERE "orders"."customer_id" = $1 AND "orders"."status" IN ($2, $3) ORDER BY "orders"."created_at" DESC LIMIT 20';
    for (let i = 0; i < 2000; i++) fingerprintSql(sql, 'postgresql'); // warm up
    const runs = 5000;
    const perCallUs =
      (timeMs(() => {
        for (let i = 0; i < runs; i++) fingerprintSql(sql, 'postgresql');
      }) *
        1000) /
      runs;
    expect(perCallUs).toBeLessThan(200); // loose: catches accidental quadratic work, not noise
  });
});
