import { fingerprintSql as f } from './libs/sql-fingerprint/src';
import { SqlLexer } from './libs/sql-fingerprint/src/lexer';
const q = `SELECT "orders"."id", "orders"."customer_id", "orders"."total", "orders"."status" FROM "orders" WHERE "orders"."customer_id" = $1 AND "orders"."status" IN ('paid', 'shipped', 'open') ORDER BY "orders"."created_at" DESC LIMIT 20`;
function time(name: string, fn: () => void, N = 200000) {
  for (let i = 0; i < 20000; i++) fn();
  const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn();
  console.log(name, (Number(process.hrtime.bigint() - t) / 1e3 / N).toFixed(2), 'us');
}
let n = 0;
time('lex only', () => { const l = new SqlLexer(q, 'postgresql'); while (l.next()) n++; });
time('lex+text', () => { const l = new SqlLexer(q, 'postgresql'); while (l.next()) n += l.text().length; });
time('full', () => { n += f(q, 'postgresql').length; });
const patho: [string, string][] = [
  ['open parens', '('.repeat(40000)], ['comments', '/*'.repeat(20000)], ['brackets', '[a'.repeat(20000)], ['commas', ',('.repeat(20000)], ['IN nest closed', 'x IN ((?, ?), (?, ?), ('.repeat(2000) + ')'.repeat(2000)],
];
for (const [name, s] of patho) for (const len of [4096, 32768]) time(`${name} ${len}`, () => { n += f(s.slice(0, len), 'postgresql').length; }, 50);
