import { Kysely, sql } from 'kysely';
import { PGliteDialect } from './pglite-dialect';
import { PGliteError } from './pglite-worker-host';

interface Db {
  t: { id: number; v: string };
}

describe('PGliteDialect', () => {
  let db: Kysely<Db>;

  beforeAll(async () => {
    db = new Kysely<Db>({ dialect: new PGliteDialect({ acquireTimeoutMs: 1_000 }) });
    await sql`create table t (id int primary key, v text not null)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(async () => {
    await db.deleteFrom('t').execute();
  });

  it('reads values like node-postgres, as objects of the calling realm', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select 9007199254740993::int8 as big, 42::int4 as small, 1.5::float8 as f, true as b, 'x'::text as s,
             '2031-01-02T03:04:05.678Z'::timestamptz as at, '{"a":[1,{"b":null}]}'::jsonb as j, '[1,2]'::json as ja,
             '\\x0102'::bytea as bytes, array['p','q']::text[] as arr, null::text as n, gen_random_uuid() as u`.execute(db);
    expect(rows).toBeInstanceOf(Array);
    const row = rows[0];
    expect(row).toMatchObject({
      big: '9007199254740993',
      small: 42,
      f: 1.5,
      b: true,
      s: 'x',
      j: { a: [1, { b: null }] },
      ja: [1, 2],
      arr: ['p', 'q'],
      n: null,
    });
    expect(row.at).toBeInstanceOf(Date);
    expect((row.at as Date).toISOString()).toBe('2031-01-02T03:04:05.678Z');
    expect(row.j).toBeInstanceOf(Object);
    expect(row.arr).toBeInstanceOf(Array);
    expect(row.bytes).toBeInstanceOf(Uint8Array);
    expect([...(row.bytes as Uint8Array)]).toEqual([1, 2]);
    expect(row.u).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes parameters of every common type', async () => {
    const at = new Date('2031-05-06T07:08:09.010Z');
    const { rows } = await sql<{
      at: Date;
      j: unknown;
      n: number;
    }>`select ${at}::timestamptz as at, ${JSON.stringify({ k: ['v'] })}::jsonb as j, ${7}::int + 1 as n`.execute(db);
    expect(rows[0]).toEqual({ at, j: { k: ['v'] }, n: 8 });
  });

  it('reports affected rows of writes', async () => {
    const inserted = await db
      .insertInto('t')
      .values([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ])
      .executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);
    const updated = await db.updateTable('t').set({ v: 'c' }).executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(2n);
    const deleted = await db.deleteFrom('t').where('id', '=', 1).executeTakeFirst();
    expect(deleted.numDeletedRows).toBe(1n);
  });

  it('raises PostgreSQL errors with their SQLSTATE and constraint, like node-postgres', async () => {
    await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
    const err = await db
      .insertInto('t')
      .values({ id: 1, v: 'b' })
      .execute()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PGliteError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '23505', constraint: 't_pkey', table: 't', message: expect.stringContaining('duplicate key') });
    await expect(sql`select * from missing_table`.execute(db)).rejects.toMatchObject({ code: '42P01' });
  });

  it('serializes transactions: other statements wait until the transaction ends', async () => {
    let releaseTx!: () => void;
    const txMayFinish = new Promise<void>((resolve) => (releaseTx = resolve));
    let insertedFirst!: () => void;
    const firstInsertDone = new Promise<void>((resolve) => (insertedFirst = resolve));

    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
      insertedFirst();
      await txMayFinish;
      await trx.insertInto('t').values({ id: 2, v: 'b' }).execute();
    });
    await firstInsertDone;
    // Issued mid-transaction: must neither run inside it nor see half of it.
    const outside = db
      .selectFrom('t')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    releaseTx();
    await tx;
    expect((await outside).n).toBe('2');
  });

  it('rolls back a transaction that throws, and supports savepoints', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ id: 1, v: 'a' }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([]);

    const trx = await db.startTransaction().execute();
    await trx.insertInto('t').values({ id: 1, v: 'kept' }).execute();
    const sp = await trx.savepoint('before_second').execute();
    await sp.insertInto('t').values({ id: 2, v: 'undone' }).execute();
    const back = await sp.rollbackToSavepoint('before_second').execute();
    await back.commit().execute();
    expect(await db.selectFrom('t').select('v').execute()).toEqual([{ v: 'kept' }]);
  });

  it('fails clearly instead of hanging when the outer db is used inside a transaction', async () => {
    await expect(
      db.transaction().execute(async () => {
        await db.selectFrom('t').selectAll().execute(); // should have been trx
      }),
    ).rejects.toThrow('use the transaction object there');
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([]); // and the lock is usable again
  });

  it('says that streaming is not supported', async () => {
    const iterate = async () => {
      for await (const _row of db.selectFrom('t').selectAll().stream()) break;
    };
    await expect(iterate()).rejects.toThrow('PGlite dialect does not support streaming');
  });
});
