import type { SqlDialect } from './dialect';
import { SqlLexer } from './lexer';
import type { TokenKind } from './lexer';

function tokens(sql: string, dialect: SqlDialect = 'generic'): Array<[TokenKind, string]> {
  const lexer = new SqlLexer(sql, dialect);
  const out: Array<[TokenKind, string]> = [];
  while (lexer.next()) out.push([lexer.kind, lexer.text()]);
  return out;
}

describe('SqlLexer', () => {
  it('splits operators the way PostgreSQL does, so a sign can belong to the number', () => {
    expect(tokens('a=-1 b<>-2 c->>d e@>f g::int h||i', 'postgresql')).toEqual([
      ['word', 'a'],
      ['operator', '='],
      ['operator', '-'],
      ['number', '1'],
      ['word', 'b'],
      ['operator', '<>'],
      ['operator', '-'],
      ['number', '2'],
      ['word', 'c'],
      ['operator', '->>'],
      ['word', 'd'],
      ['word', 'e'],
      ['operator', '@>'],
      ['word', 'f'],
      ['word', 'g'],
      ['operator', '::'],
      ['word', 'int'],
      ['word', 'h'],
      ['operator', '||'],
      ['word', 'i'],
    ]);
  });

  it('tells dollar quotes from $n placeholders', () => {
    expect(tokens('$1 $$a$$ $x$b$x$ $12', 'postgresql')).toEqual([
      ['placeholder', '$1'],
      ['string', '$$a$$'],
      ['string', '$x$b$x$'],
      ['placeholder', '$12'],
    ]);
  });

  it('reads MySQL identifiers that start with digits and @@system variables as names', () => {
    expect(tokens('SELECT @@sql_mode, @uid FROM 2fa_codes', 'mysql')).toEqual([
      ['word', 'SELECT'],
      ['word', '@@sql_mode'],
      ['punct', ','],
      ['placeholder', '@uid'],
      ['word', 'FROM'],
      ['word', '2fa_codes'],
    ]);
  });

  it('nests block comments in PostgreSQL only', () => {
    expect(tokens('/* a /* b */ c */ x', 'postgresql')).toEqual([['word', 'x']]);
    expect(tokens('/* a /* b */ c */ x', 'mysql')).toEqual([
      ['word', 'c'],
      ['operator', '*/'],
      ['word', 'x'],
    ]);
  });
});
