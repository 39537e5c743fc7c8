import { fingerprintSql, sqlFingerprintReady } from './index';

// The PostgreSQL dialect is tokenized by PostgreSQL's scanner once it has loaded: test that path.
beforeAll(() => sqlFingerprintReady());

const pg = (sql: string) => fingerprintSql(sql, 'postgresql');
const my = (sql: string) => fingerprintSql(sql, 'mysql');

describe('fingerprintSql: literals and placeholders', () => {
  it('gives N+1 queries with different ids and placeholder styles one fingerprint', () => {
    const expected = 'SELECT * FROM orders WHERE id = ?';
    expect(pg('SELECT * FROM orders WHERE id = $1')).toBe(expected);
    expect(pg('SELECT * FROM orders WHERE id = 42')).toBe(expected);
    expect(my('SELECT * FROM orders WHERE id = ?')).toBe(expected);
    expect(fingerprintSql('SELECT * FROM orders WHERE id = :id')).toBe(expected); // Hibernate, Oracle
    expect(fingerprintSql('SELECT * FROM orders WHERE id=:1')).toBe(expected);
    expect(fingerprintSql('SELECT * FROM orders WHERE id = @p1')).toBe(expected); // SQL Server
    expect(fingerprintSql('SELECT * FROM orders WHERE id = %s')).toBe(expected); // psycopg
    expect(fingerprintSql('SELECT * FROM orders WHERE id = %(order_id)s')).toBe(expected);
    expect(fingerprintSql('SELECT * FROM orders WHERE id = ?7')).toBe(expected); // SQLite
  });

  it('replaces numbers of every form, including signed ones after operators', () => {
    expect(my('SELECT * FROM t WHERE a = 1 AND b = 1.5 AND c = .5 AND d = 1e10 AND e = 2.5E-3 AND f = 0xFF')).toBe(
      'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = ?',
    );
    expect(pg('SELECT * FROM t WHERE a = -1 AND b=-2.5 AND c <> +3 AND d IN (-1, -2) LIMIT 1_000')).toBe(
      'SELECT * FROM t WHERE a = ? AND b = ? AND c <> ? AND d IN (?) LIMIT ?',
    );
  });

  it('keeps binary minus and plus between values', () => {
    expect(pg('SELECT a - 1, a-1, (a) + 2, b * -3, CASE WHEN x THEN 1 END - 1 FROM t')).toBe(
      'SELECT a - ?, a - ?, (a) + ?, b * ?, CASE WHEN x THEN ? END - ? FROM t',
    );
  });

  it('replaces TRUE/FALSE but keeps NULL, which is structure (IS NULL)', () => {
    expect(pg('UPDATE users SET active = true, deleted = FALSE WHERE deleted_at IS NULL')).toBe(
      'UPDATE users SET active = ?, deleted = ? WHERE deleted_at IS NULL',
    );
  });

  it('replaces standard, prefixed and escaped string literals', () => {
    expect(pg("SELECT * FROM t WHERE a = 'it''s' AND b = E'it\\'s' AND c = N'x' AND d = X'1F' AND e = U&'d\\0061t'")).toBe(
      'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ?',
    );
  });

  it('reads backslash escapes and "double-quoted" strings in MySQL only', () => {
    expect(my('SELECT * FROM t WHERE a = \'it\\\'s\' AND b = "say \\"hi\\"" AND c = 1')).toBe('SELECT * FROM t WHERE a = ? AND b = ? AND c = ?');
    // In PostgreSQL a backslash is an ordinary character and "x" is an identifier.
    expect(pg('SELECT "Name" FROM t WHERE path = \'C:\\\' AND x = 1')).toBe('SELECT "Name" FROM t WHERE path = ? AND x = ?');
  });

  it('replaces PostgreSQL dollar-quoted bodies, with or without a tag', () => {
    expect(pg("SELECT $$it's $1$$, $fn$ body with $$ inside $fn$, $1 FROM t")).toBe('SELECT ?, ?, ? FROM t');
    expect(pg('CREATE FUNCTION bump(a int) RETURNS int AS $body$ BEGIN RETURN a + 1; END; $body$ LANGUAGE plpgsql')).toBe(
      'CREATE FUNCTION bump(a int) RETURNS int AS ? LANGUAGE plpgsql',
    );
  });

  it('keeps casts and typed literals readable', () => {
    expect(pg("SELECT '{1,2}'::int[], x::text, CAST(y AS bigint) FROM t WHERE ts > now() - INTERVAL '1 day'")).toBe(
      'SELECT ?::int[], x::text, CAST(y AS bigint) FROM t WHERE ts > now() - INTERVAL ?',
    );
  });
});

describe('fingerprintSql: lists', () => {
  it('collapses IN lists of any length to IN (?)', () => {
    const a = pg('SELECT * FROM products WHERE id IN (1, 2, 3)');
    const b = pg('SELECT * FROM products WHERE id IN (7)');
    const c = pg('SELECT * FROM products WHERE id IN ( $1 ,\n\t$2,$3, $4 , $5 )');
    expect(a).toBe('SELECT * FROM products WHERE id IN (?)');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(my("SELECT * FROM t WHERE s NOT IN ('a', 'b')")).toBe('SELECT * FROM t WHERE s NOT IN (?)');
  });

  it('collapses tuple IN lists and ARRAY literals, but not subqueries or mixed lists', () => {
    expect(pg('SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4), (5, 6))')).toBe('SELECT * FROM t WHERE (a, b) IN ((?, ?))');
    expect(pg('SELECT * FROM t WHERE id = ANY(ARRAY[1, 2, 3])')).toBe('SELECT * FROM t WHERE id = ANY(ARRAY[?])');
    expect(pg('SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE x = 1)')).toBe('SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE x = ?)');
    expect(pg('SELECT * FROM t WHERE id IN (1, col)')).toBe('SELECT * FROM t WHERE id IN (?, col)');
  });

  it('collapses multi-row VALUES to one row of the same arity', () => {
    const one = pg("INSERT INTO users (name, age) VALUES ('a', 1)");
    const three = pg("INSERT INTO users (name, age) VALUES ('a', 1), ('b', 2), ('c', 3)");
    expect(three).toBe('INSERT INTO users (name, age) VALUES (?, ?)');
    expect(one).toBe(three);
    // A different column count is a different statement.
    expect(pg('INSERT INTO users (name) VALUES ($1), ($2)')).toBe('INSERT INTO users (name) VALUES (?)');
  });

  it('keeps what follows the rows and rows that differ in shape', () => {
    expect(pg('INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b RETURNING id')).toBe(
      'INSERT INTO t (a, b) VALUES (?, ?) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b RETURNING id',
    );
    expect(pg('INSERT INTO t (a, b) VALUES (1, DEFAULT), (2, 3), (4, 5)')).toBe('INSERT INTO t (a, b) VALUES (?, DEFAULT), (?, ?)');
    expect(pg('INSERT INTO t (a, b) VALUES (1, now()), (2, now())')).toBe('INSERT INTO t (a, b) VALUES (?, now())');
  });

  it('collapses MySQL bulk inserts and leaves ON DUPLICATE KEY VALUES(col) alone', () => {
    expect(my('INSERT INTO `stock` (`sku`, `qty`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `qty` = VALUES(`qty`)')).toBe(
      'INSERT INTO `stock` (`sku`, `qty`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `qty` = VALUES (`qty`)',
    );
  });
});

describe('fingerprintSql: case, spacing and comments', () => {
  it('uppercases keywords and keeps identifiers as written', () => {
    expect(pg('select Id, "userName" from Users u left join Orders o on o.user_id = u.id where u.Status = 1 order by u.Id desc')).toBe(
      'SELECT Id, "userName" FROM Users u LEFT JOIN Orders o ON o.user_id = u.id WHERE u.Status = ? ORDER BY u.Id DESC',
    );
  });

  it('treats keyword-like words next to a dot as identifiers', () => {
    expect(pg('SELECT t.key, t.order, user.id FROM t, user')).toBe('SELECT t.key, t.order, user.id FROM t, user');
    expect(pg('select .5, t.* from t')).toBe('SELECT ?, t.* FROM t');
  });

  it('normalizes whitespace and punctuation spacing', () => {
    const tidy = 'SELECT count(*), lower(email) FROM users WHERE (a = ? OR b = ?) AND c IN (?)';
    expect(pg('SELECT count( * ) ,lower ( email )\n\tFROM   users WHERE(a=1 OR b=2)AND c IN(1,2)')).toBe(tidy);
    expect(pg('  SELECT COUNT(*), LOWER(email) FROM users WHERE ( a = 1 OR b = 2 ) AND c IN ( 3 )  ')).toBe(
      'SELECT COUNT(*), LOWER(email) FROM users WHERE (a = ? OR b = ?) AND c IN (?)',
    );
  });

  it('removes comments of every dialect form', () => {
    expect(pg('/* controller:orders,action:show */ SELECT a -- trailing\nFROM t /* x /* nested */ y */ WHERE b = 1')).toBe('SELECT a FROM t WHERE b = ?');
    expect(my('SELECT a # mysql comment\nFROM t /*!40001 SQL_NO_CACHE */ WHERE b = 1 -- done')).toBe('SELECT a FROM t WHERE b = ?');
    // In MySQL `--` only starts a comment when followed by a blank.
    expect(my('SELECT 5--1')).toBe('SELECT ? - ?');
  });

  it('removes trailing semicolons and keeps separators between statements', () => {
    expect(pg('BEGIN; UPDATE t SET a = 1 WHERE id = 2;;  ')).toBe('BEGIN; UPDATE t SET a = ? WHERE id = ?');
  });

  it('keeps quoted identifiers of each dialect verbatim', () => {
    expect(my('SELECT `order`.`id` FROM `order` WHERE `order`.`key` = 1')).toBe('SELECT `order`.`id` FROM `order` WHERE `order`.`key` = ?');
    expect(fingerprintSql('SELECT [Id] FROM [dbo].[Users] WHERE [Name] = @name')).toBe('SELECT [Id] FROM [dbo].[Users] WHERE [Name] = ?');
    expect(pg('SELECT "a ""b""" FROM t')).toBe('SELECT "a ""b""" FROM t');
  });
});

describe('fingerprintSql: real ORM statements', () => {
  it('Sequelize / node-postgres', () => {
    expect(
      pg('SELECT "id", "email", "createdAt" FROM "Users" AS "User" WHERE "User"."deletedAt" IS NULL AND "User"."id" IN (1, 5, 9) LIMIT 10 OFFSET 0;'),
    ).toBe('SELECT "id", "email", "createdAt" FROM "Users" AS "User" WHERE "User"."deletedAt" IS NULL AND "User"."id" IN (?) LIMIT ? OFFSET ?');
  });

  it('Prisma', () => {
    expect(
      pg(
        'SELECT "public"."Post"."id", "public"."Post"."title" FROM "public"."Post" WHERE ("public"."Post"."authorId" = $1 AND "public"."Post"."published" = $2) ORDER BY "public"."Post"."id" ASC LIMIT $3 OFFSET $4',
      ),
    ).toBe(
      'SELECT "public"."Post"."id", "public"."Post"."title" FROM "public"."Post" WHERE ("public"."Post"."authorId" = ? AND "public"."Post"."published" = ?) ORDER BY "public"."Post"."id" ASC LIMIT ? OFFSET ?',
    );
  });

  it('Hibernate', () => {
    expect(
      fingerprintSql('select o1_0.id,o1_0.customer_id,o1_0.total from orders o1_0 where o1_0.customer_id=? and o1_0.status in (?,?,?) fetch first ? rows only'),
    ).toBe('SELECT o1_0.id, o1_0.customer_id, o1_0.total FROM orders o1_0 WHERE o1_0.customer_id = ? AND o1_0.status IN (?) FETCH FIRST ? ROWS ONLY');
  });

  it('Rails ActiveRecord on MySQL', () => {
    expect(
      my(
        "SELECT `users`.* FROM `users` WHERE `users`.`email` = 'alice@example.com' AND `users`.`deleted_at` IS NULL ORDER BY `users`.`id` ASC LIMIT 1 /*application:Shop,controller:users*/",
      ),
    ).toBe('SELECT `users`.* FROM `users` WHERE `users`.`email` = ? AND `users`.`deleted_at` IS NULL ORDER BY `users`.`id` ASC LIMIT ?');
  });

  it('TypeORM upsert and pg jsonb operators', () => {
    expect(pg(`INSERT INTO "event"("id", "payload") VALUES ($1, $2), ($3, $4) ON CONFLICT ( "id" ) DO UPDATE SET "payload" = EXCLUDED."payload"`)).toBe(
      'INSERT INTO "event" ("id", "payload") VALUES (?, ?) ON CONFLICT ("id") DO UPDATE SET "payload" = EXCLUDED."payload"',
    );
    expect(pg(`SELECT * FROM docs WHERE data @> '{"a":1}' AND data->>'name' = 'x' AND tags && ARRAY['a','b']`)).toBe(
      'SELECT * FROM docs WHERE data @> ? AND data ->> ? = ? AND tags && ARRAY[?]',
    );
  });
});
