/**
 * Lexical dialect of a statement. Only the differences that change how a statement splits into
 * tokens matter here (string escapes, quote characters, comment forms, dollar quoting); grammar
 * differences do not, because fingerprinting never parses.
 */
export type SqlDialect = 'postgresql' | 'mysql' | 'generic' | 'command';

// Engines that speak the PostgreSQL wire format and lexer (dollar quotes, E'' strings, nested
// block comments). Keys cover both the old `db.system` and the stable `db.system.name` values.
const POSTGRES_FAMILY = new Set([
  'postgresql',
  'postgres',
  'pg',
  'cockroachdb',
  'redshift',
  'aws.redshift',
  'greenplum',
  'yugabytedb',
  'timescaledb',
  'alloydb',
  'gcp.alloydb',
]);

// Engines with MySQL lexing: backslash escapes in strings, "..." strings, `#` comments.
const MYSQL_FAMILY = new Set(['mysql', 'mariadb', 'tidb', 'singlestore', 'memsql', 'vitess', 'aurora-mysql']);

// Key-value stores whose "statement" is a command with arguments (`GET session:1e6c…`): the
// arguments are data (keys, values), so only the command is kept.
const COMMAND_FAMILY = new Set(['redis', 'valkey', 'keydb', 'memcached', 'dragonfly']);

/**
 * Maps a `db.system` / `db.system.name` attribute value to the lexer dialect. Unknown, empty or
 * non-string values give 'generic' (ANSI quoting: '' escapes only, "..." identifiers); key-value
 * stores give 'command' (the command name only).
 */
export function dialectForDbSystem(dbSystem: string): SqlDialect {
  if (typeof dbSystem !== 'string') return 'generic';
  const key = dbSystem.trim().toLowerCase();
  if (POSTGRES_FAMILY.has(key)) return 'postgresql';
  if (MYSQL_FAMILY.has(key)) return 'mysql';
  if (COMMAND_FAMILY.has(key)) return 'command';
  return 'generic';
}
