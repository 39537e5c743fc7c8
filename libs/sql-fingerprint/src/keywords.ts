/**
 * Words the fingerprint uppercases. Statement and clause keywords only: function names and type
 * names are identifiers and stay as written (`count(*)`, `x::text`), because a column called
 * `text` or `count` should not change spelling depending on where it appears. A word written
 * right before or after a `.` is always treated as an identifier (`orders.key`, `user.id`).
 */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'ADD', 'ALL', 'ALTER', 'ANALYZE', 'AND', 'ANY', 'ARRAY', 'AS', 'ASC', 'AT',
  'BEGIN', 'BETWEEN', 'BY',
  'CALL', 'CASCADE', 'CASE', 'CAST', 'CHECK', 'COLLATE', 'COLUMN', 'COMMIT', 'CONFLICT',
  'CONSTRAINT', 'CREATE', 'CROSS', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP',
  'DEALLOCATE', 'DEFAULT', 'DELAYED', 'DELETE', 'DESC', 'DESCRIBE', 'DISTINCT', 'DIV', 'DO', 'DROP',
  'DUPLICATE',
  'ELSE', 'END', 'ESCAPE', 'EXCEPT', 'EXECUTE', 'EXISTS', 'EXPLAIN',
  'FALSE', 'FETCH', 'FILTER', 'FIRST', 'FOR', 'FORCE', 'FOREIGN', 'FROM', 'FULL',
  'GRANT', 'GROUP',
  'HAVING', 'HIGH_PRIORITY',
  'IF', 'IGNORE', 'ILIKE', 'IN', 'INDEX', 'INNER', 'INSERT', 'INTERSECT', 'INTERVAL', 'INTO', 'IS',
  'JOIN',
  'KEY',
  'LAST', 'LATERAL', 'LEFT', 'LIKE', 'LIMIT', 'LOCK', 'LOCKED', 'LOW_PRIORITY',
  'MATCHED', 'MATERIALIZED', 'MERGE',
  'NATURAL', 'NEXT', 'NOT', 'NOTHING', 'NOWAIT', 'NULL', 'NULLS',
  'OF', 'OFFSET', 'ON', 'ONLY', 'OR', 'ORDER', 'OUTER', 'OVER',
  'PARTITION', 'PREPARE', 'PRIMARY',
  'RECURSIVE', 'REFERENCES', 'REGEXP', 'RELEASE', 'REPLACE', 'RETURNING', 'REVOKE', 'RIGHT', 'RLIKE',
  'ROLLBACK', 'ROW', 'ROWS',
  'SAVEPOINT', 'SELECT', 'SET', 'SHARE', 'SHOW', 'SIMILAR', 'SKIP', 'SOME', 'SQL_CALC_FOUND_ROWS',
  'START', 'STRAIGHT_JOIN',
  'TABLE', 'TABLES', 'TEMPORARY', 'THEN', 'TO', 'TOP', 'TRANSACTION', 'TRUE', 'TRUNCATE',
  'UNION', 'UNIQUE', 'UNLOCK', 'UPDATE', 'USE', 'USING',
  'VALUES', 'VIEW',
  'WHEN', 'WHERE', 'WINDOW', 'WITH',
  'XOR',
  'ZONE',
]);

/** Length range of KEYWORDS: words outside it skip the uppercase-and-lookup. */
export const KEYWORD_MIN_LENGTH = Math.min(...[...KEYWORDS].map((k) => k.length));
export const KEYWORD_MAX_LENGTH = Math.max(...[...KEYWORDS].map((k) => k.length));

/** Literal keywords: replaced by `?` like any other literal. NULL is kept (IS NULL is structure). */
export const BOOLEAN_LITERALS: ReadonlySet<string> = new Set(['TRUE', 'FALSE']);

/**
 * Keywords that are also called like functions (`CAST(x AS int)`, `= ANY(?)`, MySQL `IF(a, b, c)`,
 * `LEFT(name, 3)`): no space before their `(`. After every other keyword `(` is spaced (`IN (?)`).
 */
export const CALL_KEYWORDS: ReadonlySet<string> = new Set([
  'ANY', 'ARRAY', 'CAST', 'IF', 'LEFT', 'REPLACE', 'RIGHT', 'ROW', 'SOME',
]);

/**
 * An identifier followed by `(` is normally a call (`count(*)`, `lower(email)`). After these
 * keywords it is a table name followed by a column list, which reads better spaced:
 * `INSERT INTO orders (id, total)`.
 */
export const TABLE_KEYWORDS: ReadonlySet<string> = new Set(['INTO', 'TABLE', 'REFERENCES']);

/** Keywords after which a `-`/`+` is binary, not a sign (`CASE … END - 1`, `NULL - 1`). */
export const VALUE_KEYWORDS: ReadonlySet<string> = new Set(['NULL', 'END']);
