import * as nodeModule from 'node:module';
it('probe', async () => {
  const p = process as unknown as { getBuiltinModule?: (s: string) => typeof nodeModule };
  console.log('getBuiltinModule' , typeof p.getBuiltinModule);
  const realModule = p.getBuiltinModule?.('node:module');
  console.log('same module?', realModule === nodeModule, typeof nodeModule.createRequire);
  const jestReq = nodeModule.createRequire(__filename);
  console.log('jest createRequire is real?', jestReq === require, String(jestReq).slice(0, 100));
  const realReq = realModule!.createRequire(__filename);
  const t0 = Date.now();
  const { PGlite } = realReq('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  console.log('ready in', Date.now() - t0);
  const r = await db.query('select now() t, $1::jsonb j', ['{"a":[1]}']);
  console.log(r.rows[0].t instanceof Date, Array.isArray(r.rows[0].j.a), r.rows[0].j.a instanceof Array);
  try { await db.query('select * from nope'); } catch (e) { console.log('err instanceof Error', e instanceof Error, (e as {code:string}).code); }
  await db.close();
});
