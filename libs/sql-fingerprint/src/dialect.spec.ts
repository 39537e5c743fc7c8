import { dialectForDbSystem, fingerprintSql } from './index';

describe('dialectForDbSystem', () => {
  it.each([
    ['postgresql', 'postgresql'],
    ['PostgreSQL', 'postgresql'],
    ['cockroachdb', 'postgresql'],
    ['redshift', 'postgresql'],
    ['aws.redshift', 'postgresql'],
    ['mysql', 'mysql'],
    ['mariadb', 'mysql'],
    [' MariaDB ', 'mysql'],
    ['tidb', 'mysql'],
    ['sqlite', 'generic'],
    ['mssql', 'generic'],
    ['microsoft.sql_server', 'generic'],
    ['oracle', 'generic'],
    ['oracle.db', 'generic'],
    ['other_sql', 'generic'],
    ['redis', 'command'],
    ['valkey', 'command'],
    ['', 'generic'],
  ])('%p → %p', (system, dialect) => {
    expect(dialectForDbSystem(system)).toBe(dialect);
  });

  it('keeps only the command of key-value stores: keys and values are data', () => {
    expect(fingerprintSql('GET session:1e6c16d0', 'command')).toBe('GET ?');
    expect(fingerprintSql('hset user:42 name "Ann" age 7', 'command')).toBe('HSET ?');
    expect(fingerprintSql('PING', 'command')).toBe('PING');
    expect(fingerprintSql('  ', 'command')).toBe('');
  });

  it('tolerates a missing attribute', () => {
    expect(dialectForDbSystem(undefined as unknown as string)).toBe('generic');
  });

  it('picks the lexical rules that change the fingerprint', () => {
    const sql = "SELECT \"a\" FROM t WHERE b = 'x\\' -- ' AND c = 1";
    // MySQL: "a" is a string and the backslash escapes the quote, so `-- ` is inside the string.
    expect(fingerprintSql(sql, dialectForDbSystem('mariadb'))).toBe('SELECT ? FROM t WHERE b = ? AND c = ?');
    // PostgreSQL: "a" is an identifier, the string ends at \', and -- starts a comment.
    expect(fingerprintSql(sql, dialectForDbSystem('postgresql'))).toBe('SELECT "a" FROM t WHERE b = ?');
  });
});
