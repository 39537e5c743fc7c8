/**
 * A broad corpus per dialect: literals, IN lists, comments, quoted identifiers, multi-statement
 * text and invalid SQL. PostgreSQL statements are also checked against PostgreSQL's own scanner
 * (libpg-query): both tokenizations must give the same fingerprint, so a statement keeps its key
 * whichever path produced it.
 */
import { fingerprintWithLexer, fingerprintWithPostgresScanner } from './fingerprint';
import { fingerprintSql, sqlFingerprintReady } from './index';

beforeAll(() => sqlFingerprintReady());

const POSTGRES: Array<[string, string]> = [
  // literals
  ["SELECT * FROM users WHERE email = 'a@b.c' AND age > 30", 'SELECT * FROM users WHERE email = ? AND age > ?'],
  ['SELECT * FROM t WHERE x = -1.5e3 AND y = .5 AND z = 1_000_000', 'SELECT * FROM t WHERE x = ? AND y = ? AND z = ?'],
  ["SELECT E'it\\'s', U&'d\\0061t\\+000061', B'1010', X'1F', $$body$$, $fn$ a $fn$", 'SELECT ?, ?, ?, ?, ?, ?'],
  [
    'UPDATE accounts SET balance = balance - 100.25 WHERE id = $1 RETURNING balance',
    'UPDATE accounts SET balance = balance - ? WHERE id = ? RETURNING balance',
  ],
  ["SELECT now() - interval '5 minutes', '2026-01-01'::date, 42::bigint", 'SELECT now() - INTERVAL ?, ?::date, ?::bigint'],
  ['SELECT * FROM flags WHERE enabled = true OR deleted IS NULL', 'SELECT * FROM flags WHERE enabled = ? OR deleted IS NULL'],
  // IN lists and arrays
  ['SELECT * FROM t WHERE id IN (1, 2, 3, 4, 5)', 'SELECT * FROM t WHERE id IN (?)'],
  ['SELECT * FROM t WHERE id IN ($1, $2, $3)', 'SELECT * FROM t WHERE id IN (?)'],
  [
    'SELECT * FROM t WHERE id = ANY($1::int[]) AND tag = ANY(ARRAY[1, 2])',
    'SELECT * FROM t WHERE id = ANY($1::int[]) AND tag = ANY(ARRAY[?])'.replace('$1', '?'),
  ],
  ['SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))', 'SELECT * FROM t WHERE (a, b) IN ((?, ?))'],
  ["INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", 'INSERT INTO t (a, b) VALUES (?, ?)'],
  // comments
  ['/* app:shop */ SELECT 1 -- trailing', 'SELECT ?'],
  ['SELECT /* a /* nested */ b */ x FROM t', 'SELECT x FROM t'],
  // quoted identifiers
  ['SELECT "User"."Id", "select" FROM "public"."User" WHERE "User"."name" = $1', 'SELECT "User"."Id", "select" FROM "public"."User" WHERE "User"."name" = ?'],
  ['SELECT "a ""quoted"" name" FROM t', 'SELECT "a ""quoted"" name" FROM t'],
  // operators PostgreSQL lexes its own way
  [
    "SELECT * FROM docs WHERE data @> '{}' AND data->>'k' = 'v' AND name ~~* 'x%' AND a <> -1",
    'SELECT * FROM docs WHERE data @> ? AND data ->> ? = ? AND name ~~* ? AND a <> ?',
  ],
  ['SELECT a[1:2], b.c FROM t', 'SELECT a[? : ?], b.c FROM t'],
  // multi-statement
  ['BEGIN; UPDATE stock SET qty = qty - 1 WHERE sku = $1; COMMIT;', 'BEGIN; UPDATE stock SET qty = qty - ? WHERE sku = ?; COMMIT'],
  ["SET LOCAL lock_timeout = '700ms'; SELECT 1", 'SET LOCAL lock_timeout = ?; SELECT ?'],
  // DDL and utility statements keep their shape
  [
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer ON orders (customer_id)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer ON orders(customer_id)',
  ],
  ['SELECT pg_advisory_lock(7392104)', 'SELECT pg_advisory_lock(?)'],
];

const MYSQL: Array<[string, string]> = [
  ['SELECT * FROM users WHERE email = \'a@b.c\' AND name = "bob"', 'SELECT * FROM users WHERE email = ? AND name = ?'],
  ["SELECT 'it\\'s', 0x1F, b'01', X'ff', N'x'", 'SELECT ?, ?, ?, ?, ?'],
  ['SELECT * FROM `order` WHERE `order`.`id` IN (1, 2, 3)', 'SELECT * FROM `order` WHERE `order`.`id` IN (?)'],
  ['INSERT INTO carts (customer_id, sku, qty) VALUES (?, ?, ?), (?, ?, ?)', 'INSERT INTO carts (customer_id, sku, qty) VALUES (?, ?, ?)'],
  ['SELECT a # hash comment\nFROM t -- dash comment\nWHERE b = 1 /* block */', 'SELECT a FROM t WHERE b = ?'],
  ['SELECT @@version, @uid, 5--1', 'SELECT @@version, ?, ? - ?'],
  ['START TRANSACTION; UPDATE t SET v = v + 1 WHERE id = 7; COMMIT', 'START TRANSACTION; UPDATE t SET v = v + ? WHERE id = ?; COMMIT'],
  [
    'SELECT c.tier, COUNT(*) AS items FROM customers c JOIN carts k ON k.customer_id = c.id WHERE c.id = 12 GROUP BY c.tier',
    'SELECT c.tier, COUNT(*) AS items FROM customers c JOIN carts k ON k.customer_id = c.id WHERE c.id = ? GROUP BY c.tier',
  ],
];

/** Not SQL, cut off, or broken: a stable, literal-free answer and never an exception. */
const INVALID: Array<[string, string]> = [
  ["SELECT * FROM t WHERE a = 'unterminated", 'SELECT * FROM t WHERE a = ?'],
  ['SELECT * FROM t WHERE id IN (1, 2, 3', 'SELECT * FROM t WHERE id IN (?)'],
  ['SELEKT frm WHERE', 'SELEKT frm WHERE'],
  ['))) (( ,, ;;', '))) ((,,'],
  ["{'not': 'sql'}", '{ ? : ? }'],
  ['GET /api/orders?id=5 HTTP/1.1', 'GET / api / orders ? id = ? HTTP / ?'],
  ['SELECT 123abc FROM t', 'SELECT 123abc FROM t'],
];

describe('fingerprint corpus', () => {
  it.each(POSTGRES)('postgresql: %s', (sql, expected) => {
    expect(fingerprintSql(sql, 'postgresql')).toBe(expected);
    // Same answer from Meridian's lexer and from PostgreSQL's scanner.
    expect(fingerprintWithLexer(sql, 'postgresql')).toBe(expected);
    expect(fingerprintWithPostgresScanner(sql)).toBe(expected);
  });

  it.each(MYSQL)('mysql: %s', (sql, expected) => {
    expect(fingerprintSql(sql, 'mysql')).toBe(expected);
  });

  it.each(INVALID)('invalid: %s', (sql, expected) => {
    for (const dialect of ['postgresql', 'mysql', 'generic'] as const) expect(fingerprintSql(sql, dialect)).toBe(expected);
  });

  it("uses PostgreSQL's scanner only where it applies: rejected or client-placeholder text keeps the lexer's answer", () => {
    expect(fingerprintWithPostgresScanner("SELECT 'unterminated")).toBeUndefined(); // PostgreSQL refuses it
    expect(fingerprintSql("SELECT 'unterminated", 'postgresql')).toBe('SELECT ?');
    // psycopg and JDBC text: placeholders PostgreSQL's lexer does not know.
    expect(fingerprintSql('SELECT * FROM t WHERE a = %s AND b = %(b)s', 'postgresql')).toBe('SELECT * FROM t WHERE a = ? AND b = ?');
    expect(fingerprintSql('SELECT * FROM t WHERE a = ? AND b = :b', 'postgresql')).toBe('SELECT * FROM t WHERE a = ? AND b = ?');
  });

  it('statements with inlined literals cost about one lexer pass each: the scanner runs once per shape', () => {
    const shapes = 20;
    const statements = Array.from({ length: 5000 }, (_, i) => `SELECT * FROM orders_${i % shapes} WHERE id = ${i} AND note = 'n${i}'`);
    const cpuUs = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    for (let warm = 0; warm < 2; warm++) {
      for (const sql of statements) {
        fingerprintSql(sql, 'postgresql');
        fingerprintWithPostgresScanner(sql);
      }
    }
    const t0 = cpuUs();
    for (const sql of statements) fingerprintSql(sql, 'postgresql');
    const withScanner = cpuUs() - t0;
    const t1 = cpuUs();
    for (const sql of statements) fingerprintWithPostgresScanner(sql);
    const scannerEveryTime = cpuUs() - t1;
    // Scanning every statement would cost ~20x the lexer; once per shape it must stay far below that.
    expect(withScanner).toBeLessThan(scannerEveryTime / 3);
    expect(new Set(statements.map((s) => fingerprintSql(s, 'postgresql'))).size).toBe(shapes);
  });
});
