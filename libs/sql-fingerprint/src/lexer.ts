/**
 * Single-pass SQL lexer used only for fingerprinting.
 *
 * Why hand-written: the npm candidates were measured against the ingest budget (well under
 * 20 µs for a 200-character statement) and the "never throws on garbage" rule. node-sql-parser
 * (full PEG parser) took ~730 µs and throws on truncated statements; sql-formatter (~900 µs)
 * does not export its tokenizer; sql-highlight (~74 µs) has no dialects or dollar quotes;
 * libpg-query is PostgreSQL-only WebAssembly. Fingerprinting needs tokens, not a parse tree, so
 * a small lexer that knows the lexical rules of each dialect is both faster and more tolerant.
 * PostgreSQL's own scanner (libpg-query, ~50 µs a statement, throws on odd input) is used on top
 * of it once per statement shape for the PostgreSQL dialect (see fingerprint.ts); MySQL has no
 * maintained tokenizer that fits (sql-parser-cst and node-sql-parser are full parsers that
 * throw on partial statements), so this lexer is its only one.
 *
 * Every branch advances at least one character and never looks back, and searches for a closing
 * delimiter run forward from the current position, so the cost is linear in the input whatever
 * it contains. An unterminated string, quoted identifier or comment simply runs to the end.
 */
import type { SqlDialect } from './dialect';

export type TokenKind =
  | 'word' // keyword or bare identifier
  | 'quoted' // quoted identifier: "x", `x`, [x]
  | 'string' // any string literal, including dollar-quoted bodies
  | 'number'
  | 'placeholder' // $1 ? ?1 :name :1 @p1 %s %(name)s
  | 'operator' // = <> || :: -> @> and any unknown character
  | 'punct'; // ( ) [ ] , ; .

const SPACE = 1;
const WORD_START = 2;
const WORD_PART = 4;
const DIGIT = 8;
const OPERATOR = 16;

const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c <= 32; c++) ASCII_CLASS[c] = SPACE; // control characters count as blanks
ASCII_CLASS[127] = SPACE;
for (let c = 0x61; c <= 0x7a; c++) ASCII_CLASS[c] = WORD_START | WORD_PART;
for (let c = 0x41; c <= 0x5a; c++) ASCII_CLASS[c] = WORD_START | WORD_PART;
for (let c = 0x30; c <= 0x39; c++) ASCII_CLASS[c] = DIGIT | WORD_PART;
ASCII_CLASS[0x5f] = WORD_START | WORD_PART; // _
ASCII_CLASS[0x24] = WORD_PART; // $ inside identifiers (pg, mysql)
for (const ch of '+-*/<>=~!@#%^&|') ASCII_CLASS[ch.charCodeAt(0)] = OPERATOR;

function classOf(c: number): number {
  if (c < 0) return 0;
  if (c < 128) return ASCII_CLASS[c];
  // Non-ASCII letters are valid in identifiers; a few invisible characters pasted from editors
  // (NBSP, BOM, line/paragraph separators) are blanks.
  if (c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029) return SPACE;
  return WORD_START | WORD_PART;
}

const BACKSLASH = 0x5c;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKTICK = 0x60;
const DOLLAR = 0x24;
const DOT = 0x2e;
const COLON = 0x3a;
const EQUALS = 0x3d;
const QUESTION = 0x3f;
const AT = 0x40;
const PERCENT = 0x25;
const HASH = 0x23;
const MINUS = 0x2d;
const PLUS = 0x2b;
const SLASH = 0x2f;
const STAR = 0x2a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** What the fingerprint builder reads: a pull stream of tokens (Meridian's lexer or PostgreSQL's scanner). */
export interface TokenStream {
  kind: TokenKind;
  /** Length of the input in UTF-16 code units (bounds the builder's work). */
  readonly length: number;
  next(): boolean;
  text(): string;
  /** True when the next token is a `.` (the current word qualifies a name). */
  isFollowedByDot(): boolean;
}

/**
 * Pull lexer: `next()` advances to the next token and exposes it through `kind`, `start`, `end`
 * (no per-token allocation). Comments and blanks are skipped.
 */
export class SqlLexer implements TokenStream {
  kind: TokenKind = 'punct';
  start = 0;
  end = 0;

  private pos = 0;
  private readonly len: number;
  private readonly mysql: boolean;
  private readonly postgres: boolean; // nested comments, E'' escapes, `[` always a subscript

  constructor(
    private readonly src: string,
    dialect: SqlDialect,
  ) {
    this.len = src.length;
    this.mysql = dialect === 'mysql';
    this.postgres = dialect === 'postgresql';
  }

  get length(): number {
    return this.len;
  }

  text(): string {
    return this.src.slice(this.start, this.end);
  }

  /** Advances to the next token; false at the end of input. */
  next(): boolean {
    this.skipBlanksAndComments();
    if (this.pos >= this.len) return false;
    this.start = this.pos;
    this.scanToken();
    this.end = this.pos;
    return true;
  }

  /** True when a `.` follows (not `.5`): the current word qualifies a name, as in `user.id`. */
  isFollowedByDot(): boolean {
    let i = this.pos;
    while (i < this.len && classOf(this.code(i)) === SPACE) i++;
    return this.code(i) === DOT && !(classOf(this.code(i + 1)) & DIGIT);
  }

  private code(i: number): number {
    return i < this.len ? this.src.charCodeAt(i) : -1; // -1 past the end: matches no class
  }

  private skipBlanksAndComments(): void {
    while (this.pos < this.len) {
      const c = this.code(this.pos);
      if (classOf(c) === SPACE) {
        this.pos++;
      } else if (this.commentStartsAt(this.pos)) {
        this.skipComment();
      } else {
        return;
      }
    }
  }

  private commentStartsAt(i: number): boolean {
    const c = this.code(i);
    const n = this.code(i + 1);
    if (c === SLASH) return n === STAR;
    if (c === HASH) return this.mysql;
    if (c === MINUS && n === MINUS) {
      // MySQL needs a blank after `--`, so `5--1` stays arithmetic there.
      if (!this.mysql) return true;
      const after = this.code(i + 2);
      return after < 0 || classOf(after) === SPACE;
    }
    return false;
  }

  private skipComment(): void {
    if (this.code(this.pos) === SLASH) {
      this.skipBlockComment();
      return;
    }
    const eol = this.src.indexOf('\n', this.pos);
    this.pos = eol < 0 ? this.len : eol + 1;
  }

  private skipBlockComment(): void {
    if (!this.postgres) {
      const close = this.src.indexOf('*/', this.pos + 2);
      this.pos = close < 0 ? this.len : close + 2;
      return;
    }
    // PostgreSQL block comments nest: /* a /* b */ still a comment */.
    let depth = 0;
    let i = this.pos;
    while (i < this.len) {
      const c = this.code(i);
      if (c === SLASH && this.code(i + 1) === STAR) {
        depth++;
        i += 2;
      } else if (c === STAR && this.code(i + 1) === SLASH) {
        depth--;
        i += 2;
        if (depth === 0) break;
      } else {
        i++;
      }
    }
    this.pos = Math.min(i, this.len);
  }

  private scanToken(): void {
    const c = this.code(this.pos);
    const cls = classOf(c);

    if (cls & WORD_START) {
      this.scanWordOrPrefixedString(c);
      return;
    }
    if (cls & DIGIT) {
      this.scanNumber();
      return;
    }
    switch (c) {
      case SINGLE_QUOTE:
        this.scanQuoted('string', SINGLE_QUOTE, this.mysql);
        return;
      case DOUBLE_QUOTE:
        // MySQL (without ANSI_QUOTES) reads "..." as a string literal.
        if (this.mysql) this.scanQuoted('string', DOUBLE_QUOTE, true);
        else this.scanQuoted('quoted', DOUBLE_QUOTE, false);
        return;
      case BACKTICK:
        this.scanQuoted('quoted', BACKTICK, false);
        return;
      case OPEN_BRACKET:
        // [name] is a quoted identifier in SQL Server and SQLite; in PostgreSQL `[` subscripts.
        if (!this.postgres && !this.mysql && classOf(this.code(this.pos + 1)) & WORD_START) {
          this.scanQuoted('quoted', CLOSE_BRACKET, false);
        } else {
          this.single('punct');
        }
        return;
      case OPEN_PAREN:
      case CLOSE_PAREN:
      case CLOSE_BRACKET:
      case 0x2c: // ,
      case 0x3b: // ;
        this.single('punct');
        return;
      case DOT:
        if (classOf(this.code(this.pos + 1)) & DIGIT && !this.previousCharEndsName()) this.scanNumber();
        else this.single('punct');
        return;
      case DOLLAR:
        this.scanDollar();
        return;
      case QUESTION:
        this.pos++;
        this.skipClass(DIGIT); // SQLite ?NNN
        this.kind = 'placeholder';
        return;
      case COLON:
        this.scanColon();
        return;
      case AT:
        this.scanAt();
        return;
      case PERCENT:
        if (this.scanPercentPlaceholder()) return;
        break;
    }
    if (cls & OPERATOR) this.scanOperator();
    else this.single('operator'); // stray character ({, }, \, binary junk): keep it, one char
  }

  private single(kind: TokenKind): void {
    this.pos++;
    this.kind = kind;
  }

  private skipClass(mask: number): void {
    while (this.pos < this.len && classOf(this.code(this.pos)) & mask) this.pos++;
  }

  private previousCharEndsName(): boolean {
    if (this.pos === 0) return false;
    const p = this.code(this.pos - 1);
    return (classOf(p) & WORD_PART) !== 0 || p === DOUBLE_QUOTE || p === BACKTICK || p === CLOSE_PAREN || p === CLOSE_BRACKET;
  }

  private scanWordOrPrefixedString(c: number): void {
    const n = this.code(this.pos + 1);
    if (n === SINGLE_QUOTE) {
      // N'..' national, X'..' hex, B'..' bit, E'..' escape string (backslashes in PostgreSQL).
      const upper = c & ~0x20;
      if (upper === 0x4e || upper === 0x58 || upper === 0x42 || upper === 0x45) {
        this.pos++;
        this.scanQuoted('string', SINGLE_QUOTE, this.mysql || (this.postgres && upper === 0x45));
        return;
      }
    }
    if ((c === 0x55 || c === 0x75) && n === 0x26 && this.code(this.pos + 2) === SINGLE_QUOTE) {
      this.pos += 2; // PostgreSQL U&'..'
      this.scanQuoted('string', SINGLE_QUOTE, false);
      return;
    }
    this.pos++;
    this.skipClass(WORD_PART);
    this.kind = 'word';
  }

  /** Consumes a quoted run from its opening quote; a doubled closer ('', "", ``, ]]) is escaped. */
  private scanQuoted(kind: TokenKind, close: number, backslashEscapes: boolean): void {
    let i = this.pos + 1;
    while (i < this.len) {
      const c = this.code(i);
      if (c === close) {
        if (this.code(i + 1) === close) {
          i += 2;
          continue;
        }
        i++;
        break;
      }
      i += c === BACKSLASH && backslashEscapes ? 2 : 1;
    }
    this.pos = Math.min(i, this.len);
    this.kind = kind;
  }

  private scanNumber(): void {
    const c = this.code(this.pos);
    const radix = c === 0x30 ? this.code(this.pos + 1) | 0x20 : 0;
    if (radix === 0x78 && isHexDigit(this.code(this.pos + 2))) {
      // 0x1F (MySQL, PostgreSQL 16)
      this.pos += 2;
      while (this.pos < this.len && (isHexDigit(this.code(this.pos)) || this.code(this.pos) === 0x5f)) this.pos++;
    } else if ((radix === 0x62 || radix === 0x6f) && classOf(this.code(this.pos + 2)) & DIGIT) {
      // 0b101, 0o17 (PostgreSQL 16)
      this.pos += 2;
      this.skipDigits();
    } else {
      this.skipDigits();
      if (this.code(this.pos) === DOT && this.code(this.pos + 1) !== DOT) {
        this.pos++;
        this.skipDigits();
      }
      if ((this.code(this.pos) | 0x20) === 0x65) {
        const sign = this.code(this.pos + 1);
        const digitAt = sign === PLUS || sign === MINUS ? this.pos + 2 : this.pos + 1;
        if (classOf(this.code(digitAt)) & DIGIT) {
          this.pos = digitAt;
          this.skipDigits();
        }
      }
    }
    this.kind = 'number';
    // MySQL identifiers may start with digits (`2fa_codes`); elsewhere this is junk either way.
    if (this.pos < this.len && classOf(this.code(this.pos)) & WORD_PART) {
      this.skipClass(WORD_PART);
      this.kind = 'word';
    }
  }

  /** Digits with single `_` separators (PostgreSQL 16: 1_000_000). */
  private skipDigits(): void {
    while (this.pos < this.len) {
      const c = this.code(this.pos);
      if (classOf(c) & DIGIT) this.pos++;
      else if (c === 0x5f && classOf(this.code(this.pos + 1)) & DIGIT) this.pos += 2;
      else return;
    }
  }

  private scanDollar(): void {
    const start = this.pos;
    const n = this.code(start + 1);
    if (classOf(n) & DIGIT) {
      this.pos++;
      this.skipClass(DIGIT);
      this.kind = 'placeholder'; // $1
      return;
    }
    if (!this.mysql) {
      // Dollar quote: $$body$$ or $tag$body$tag$, tag = identifier without `$`. Read in the generic
      // dialect too: it is a literal wherever it appears, and missing one would leak its body.
      // MySQL is excluded because `$` may start an identifier there.
      let i = start + 1;
      if (classOf(n) & WORD_START) {
        i++;
        while (i < this.len && classOf(this.code(i)) & WORD_PART && this.code(i) !== DOLLAR) i++;
      }
      if (this.code(i) === DOLLAR) {
        const tag = this.src.slice(start, i + 1);
        const close = this.src.indexOf(tag, i + 1);
        this.pos = close < 0 ? this.len : close + tag.length;
        this.kind = 'string';
        return;
      }
    }
    this.pos++;
    this.skipClass(WORD_PART);
    this.kind = this.pos - start > 1 ? 'word' : 'operator';
  }

  private scanColon(): void {
    const n = this.code(this.pos + 1);
    if (n === COLON || n === EQUALS) {
      this.pos += 2; // :: cast, := assignment
      this.kind = 'operator';
    } else if (classOf(n) & WORD_PART && n !== DOLLAR && !this.previousCharEndsName()) {
      this.pos++;
      this.skipClass(WORD_PART);
      this.kind = 'placeholder'; // :name, :1 (after `=`, `(`, `,` or a blank)
    } else {
      this.single('operator'); // array slice a[1:2], a[lo:hi]
    }
  }

  private scanAt(): void {
    const n = this.code(this.pos + 1);
    if (n === AT && classOf(this.code(this.pos + 2)) & WORD_START) {
      this.pos += 2;
      this.skipClass(WORD_PART);
      this.kind = 'word'; // MySQL system variable @@sql_mode: a name, not a value
    } else if (classOf(n) & WORD_START) {
      this.pos++;
      this.skipClass(WORD_PART);
      this.kind = 'placeholder'; // SQL Server @p1, MySQL @var
    } else {
      this.scanOperator(); // @> <@ @@ (PostgreSQL operators)
    }
  }

  /** Python DB-API placeholders as recorded by psycopg/mysqlclient spans: %s and %(name)s. */
  private scanPercentPlaceholder(): boolean {
    const n = this.code(this.pos + 1);
    if (n === 0x73 && !(classOf(this.code(this.pos + 2)) & WORD_PART)) {
      this.pos += 2;
      this.kind = 'placeholder';
      return true;
    }
    if (n === OPEN_PAREN) {
      let i = this.pos + 2;
      while (i < this.len && classOf(this.code(i)) & WORD_PART) i++;
      if (i > this.pos + 2 && this.code(i) === CLOSE_PAREN && this.code(i + 1) === 0x73) {
        this.pos = i + 2;
        this.kind = 'placeholder';
        return true;
      }
    }
    return false;
  }

  /**
   * A run of operator characters, cut where a comment starts. As in PostgreSQL, a multi-character
   * operator cannot end in `+` or `-` unless it contains one of `~!@#%^&|`, so `=-1` is `=` then
   * `-1` (the sign can then fold into the literal).
   */
  private scanOperator(): void {
    const start = this.pos;
    let i = start + 1;
    while (i < this.len && classOf(this.code(i)) & OPERATOR && !this.commentStartsAt(i)) i++;
    let end = i;
    if (end - start > 1) {
      let special = false;
      for (let j = start; j < end; j++) {
        const c = this.code(j);
        if (c !== PLUS && c !== MINUS && c !== STAR && c !== SLASH && c !== 0x3c && c !== 0x3e && c !== EQUALS) {
          special = true;
          break;
        }
      }
      if (!special) {
        while (end - start > 1 && (this.code(end - 1) === PLUS || this.code(end - 1) === MINUS)) end--;
      }
    }
    this.pos = end;
    this.kind = 'operator';
  }
}
