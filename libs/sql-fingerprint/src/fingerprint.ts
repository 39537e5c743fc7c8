/**
 * SQL fingerprint: the key `sql_stats_1m` groups statements by. Same statement shape → same
 * string, whatever the literal values, placeholder style, list lengths, comments, whitespace or
 * keyword case. Built from tokens (never a parse tree) so that truncated, invalid or non-SQL
 * input still yields a stable, literal-free string instead of an error.
 */
import type { SqlDialect } from './dialect';
import { BOOLEAN_LITERALS, CALL_KEYWORDS, KEYWORDS, TABLE_KEYWORDS, VALUE_KEYWORDS } from './keywords';
import { SqlLexer } from './lexer';

/**
 * Input beyond this many UTF-16 code units is ignored. Span attributes can carry multi-megabyte
 * statements (bulk inserts, generated IN lists); the first 32 KiB identify the statement shape
 * and bound the work per span. Statements that only differ after this point share a fingerprint.
 */
export const MAX_SQL_INPUT_LENGTH = 32 * 1024;

/** The fingerprint itself is cut to this length (it is stored and shown per row group). */
export const MAX_FINGERPRINT_LENGTH = 8 * 1024;

/** What the fingerprint does with each kind of output token. */
type OutKind = 'keyword' | 'ident' | 'value' | 'operator' | 'punct';

/**
 * Normalized statement: literals and placeholders → `?`, IN / ARRAY lists of identical items and
 * repeated identical VALUES rows collapsed to one, keywords uppercased, identifiers as written,
 * comments and trailing `;` removed, spacing canonical. Never throws; returns '' for empty or
 * non-string input.
 */
export function fingerprintSql(sql: string, dialect: SqlDialect = 'generic'): string {
  if (typeof sql !== 'string' || sql.length === 0) return '';
  try {
    return new FingerprintBuilder(cutAt(sql, MAX_SQL_INPUT_LENGTH)).build(dialect);
  } catch {
    // Unreachable by design; ingest must never fail on a span attribute. Returning the raw text
    // would leak literal values, so an unfingerprintable statement gets the empty key.
    return '';
  }
}

/** Cuts to `max` code units without splitting a surrogate pair. */
function cutAt(s: string, max: number): string {
  if (s.length <= max) return s;
  const high = s.charCodeAt(max - 1);
  return s.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}

class FingerprintBuilder {
  // Output tokens as parallel arrays; collapsing a list truncates them from the end.
  private readonly texts: string[] = [];
  private readonly kinds: OutKind[] = [];
  private readonly spaced: boolean[] = [];
  /** For `(` and `[`: index of the matching close, -1 while open (or never closed). */
  private readonly partner: number[] = [];
  private readonly openers: number[] = [];

  // Last kept row of the VALUES list being built (indices of its `(` and `)`), or -1.
  private rowOpen = -1;
  private rowClose = -1;

  /** Token comparisons left for collapsing; keeps adversarial nesting linear-time. */
  private compareBudget: number;

  constructor(private readonly sql: string) {
    this.compareBudget = 4 * sql.length + 64;
  }

  build(dialect: SqlDialect): string {
    const lexer = new SqlLexer(this.sql, dialect);
    while (lexer.next()) this.accept(lexer);
    this.repairCutOffList();
    return this.render();
  }

  private accept(lexer: SqlLexer): void {
    switch (lexer.kind) {
      case 'string':
      case 'placeholder':
        this.push('?', 'value');
        return;
      case 'number':
        this.dropSign();
        this.push('?', 'value');
        return;
      case 'quoted':
        this.push(lexer.text(), 'ident');
        return;
      case 'operator':
        this.push(lexer.text(), 'operator');
        return;
      case 'word':
        this.acceptWord(lexer);
        return;
      case 'punct':
        this.acceptPunct(lexer.text());
        return;
    }
  }

  private acceptWord(lexer: SqlLexer): void {
    const text = lexer.text();
    const upper = text.toUpperCase();
    const qualified = this.lastText() === '.' || lexer.isFollowedByDot();
    if (qualified || !KEYWORDS.has(upper)) this.push(text, 'ident');
    else if (BOOLEAN_LITERALS.has(upper)) this.push('?', 'value');
    else this.push(upper, 'keyword');
  }

  private acceptPunct(text: string): void {
    if (text === '(' || text === '[') {
      this.openers.push(this.texts.length);
      this.push(text, 'punct');
      return;
    }
    if (text === ')' || text === ']') {
      const open = this.openers.length > 0 ? this.openers[this.openers.length - 1] : -1;
      if (open >= 0 && this.texts[open] === (text === ')' ? '(' : '[')) {
        this.openers.pop();
        this.closeGroup(open);
        return;
      }
    }
    this.push(text, 'punct'); // , ; . and unmatched closers
  }

  private closeGroup(open: number): void {
    const close = this.texts[open] === '(' ? ')' : ']';
    if (this.isListOpener(open)) this.collapseItems(open);
    this.partner[open] = this.texts.length;
    this.push(close, 'punct');
    if (close === ')') this.collapseValuesRow(open, this.texts.length - 1);
  }

  /** The `(` of `IN (…)` or the `[` of `ARRAY[…]`: a list whose length is not part of the shape. */
  private isListOpener(open: number): boolean {
    if (open === 0 || this.kinds[open - 1] !== 'keyword') return false;
    const before = this.texts[open - 1];
    return this.texts[open] === '(' ? before === 'IN' : before === 'ARRAY';
  }

  /** The `(` of a second or later VALUES row (`…), (`). */
  private continuesValuesRows(open: number): boolean {
    return open >= 2 && open - 2 === this.rowClose && this.texts[open - 1] === ',' && this.texts[open] === '(';
  }

  /**
   * Statements cut off by MAX_SQL_INPUT_LENGTH (or by the instrumentation) usually end inside a
   * long IN list or VALUES batch, at a point that depends on literal lengths. Dropping the cut
   * item and closing the list gives such statements the same fingerprint as the complete ones.
   */
  private repairCutOffList(): void {
    const depth = this.openers.findIndex((open) => this.isListOpener(open) || this.continuesValuesRows(open));
    if (depth < 0) return; // no list is open: nothing depends on where the text was cut
    const open = this.openers[depth];
    // Anything inside a nested group still open belongs to the cut item.
    const limit = depth + 1 < this.openers.length ? this.openers[depth + 1] : this.texts.length;
    this.openers.length = depth;
    if (this.continuesValuesRows(open)) {
      this.truncate(open - 1);
      return;
    }
    let lastComma = -1;
    for (let i = open + 1; i < limit; i = this.partner[i] > i ? this.partner[i] + 1 : i + 1) {
      if (this.texts[i] === ',' && this.kinds[i] === 'punct') lastComma = i;
    }
    this.truncate(lastComma > 0 ? lastComma : limit);
    this.closeGroup(open);
  }

  /** `IN (?, ?, ?)` → `IN (?)`; `IN ((?, ?), (?, ?))` → `IN ((?, ?))`: only when all items match. */
  private collapseItems(open: number): void {
    const end = this.texts.length;
    const firstStart = open + 1;
    const firstEnd = this.itemEnd(firstStart, end);
    if (firstEnd >= end) return; // zero or one item
    const itemLength = firstEnd - firstStart;
    for (let comma = firstEnd; comma < end; ) {
      const start = comma + 1;
      const stop = this.itemEnd(start, end);
      if (stop - start !== itemLength || !this.sameTokens(firstStart, start, itemLength)) return;
      comma = stop;
    }
    this.truncate(firstEnd);
  }

  /**
   * Multi-row insert: a `(…)` that follows `VALUES` starts a row list; each next `, (…)` equal to
   * the row before it is dropped, so `VALUES (?, ?), (?, ?), (?, ?)` → `VALUES (?, ?)` and the
   * fingerprint keeps the arity of one row whatever the batch size.
   */
  private collapseValuesRow(open: number, close: number): void {
    const before = open > 0 ? this.texts[open - 1] : '';
    if (before === 'VALUES' && this.kinds[open - 1] === 'keyword') {
      this.rowOpen = open;
      this.rowClose = close;
      return;
    }
    if (before !== ',' || open - 2 !== this.rowClose) return;
    const length = close - open + 1;
    if (length === this.rowClose - this.rowOpen + 1 && this.sameTokens(this.rowOpen, open, length)) {
      this.truncate(open - 1);
    } else {
      this.rowOpen = open;
      this.rowClose = close;
    }
  }

  /** Index of the `,` ending the item that starts at `from` (or `end`), skipping nested groups. */
  private itemEnd(from: number, end: number): number {
    let i = from;
    while (i < end && !(this.texts[i] === ',' && this.kinds[i] === 'punct')) {
      const match = this.partner[i];
      i = match > i ? match + 1 : i + 1;
    }
    return i;
  }

  private sameTokens(a: number, b: number, length: number): boolean {
    if (length > this.compareBudget) return false;
    this.compareBudget -= length;
    for (let k = 0; k < length; k++) {
      if (this.texts[a + k] !== this.texts[b + k] || this.kinds[a + k] !== this.kinds[b + k]) return false;
    }
    return true;
  }

  /** A `-`/`+` right before a number is its sign unless it follows a value (`a - 1`). */
  private dropSign(): void {
    const last = this.texts.length - 1;
    if (last < 0 || this.kinds[last] !== 'operator') return;
    const sign = this.texts[last];
    if (sign !== '-' && sign !== '+') return;
    if (last > 0 && this.endsValue(last - 1)) return;
    this.truncate(last);
  }

  private endsValue(i: number): boolean {
    const kind = this.kinds[i];
    if (kind === 'ident' || kind === 'value') return true;
    if (kind === 'keyword') return VALUE_KEYWORDS.has(this.texts[i]);
    return kind === 'punct' && (this.texts[i] === ')' || this.texts[i] === ']');
  }

  private push(text: string, kind: OutKind): void {
    this.spaced.push(this.spaceBefore(text, kind));
    this.texts.push(text);
    this.kinds.push(kind);
    this.partner.push(-1);
  }

  private truncate(length: number): void {
    this.texts.length = length;
    this.kinds.length = length;
    this.spaced.length = length;
    this.partner.length = length;
    // Openers never sit in a truncated range: truncation only removes closed groups and items.
  }

  private lastText(): string {
    return this.texts.length > 0 ? this.texts[this.texts.length - 1] : '';
  }

  /**
   * Canonical spacing, independent of the input's: one space between tokens except none after
   * `(` `[` `.` `::`, none before `,` `)` `]` `;` `.` `::`, and none before the `(` of a call
   * (`count(*)`, `CAST(`) or the `[` of a subscript.
   */
  private spaceBefore(text: string, kind: OutKind): boolean {
    const last = this.texts.length - 1;
    if (last < 0) return false;
    const prev = this.texts[last];
    const prevKind = this.kinds[last];
    if (prev === '(' || prev === '[' || prev === '.' || prev === '::') return false;
    if (kind === 'punct' && text !== '(' && text !== '[') return false; // , ) ] ; .
    if (text === '::') return false;
    if (text === '(') {
      if (prevKind === 'keyword') return !CALL_KEYWORDS.has(prev);
      if (prevKind === 'ident') return this.followsTableKeyword(last);
      return true;
    }
    if (text === '[') {
      if (prevKind === 'keyword') return prev !== 'ARRAY';
      return !(prevKind === 'ident' || prevKind === 'value' || prev === ')' || prev === ']');
    }
    return true;
  }

  /** True for the `orders` in `INSERT INTO orders (…)` / `INTO public.orders (…)`. */
  private followsTableKeyword(nameEnd: number): boolean {
    let i = nameEnd;
    // Walk back over a short qualified name (catalog.schema.table); bounded so it stays O(1).
    for (let hops = 0; hops < 3 && i >= 2 && this.texts[i - 1] === '.' && this.kinds[i - 2] === 'ident'; hops++) i -= 2;
    return i > 0 && this.kinds[i - 1] === 'keyword' && TABLE_KEYWORDS.has(this.texts[i - 1]);
  }

  private render(): string {
    let n = this.texts.length;
    while (n > 0 && this.texts[n - 1] === ';' && this.kinds[n - 1] === 'punct') n--;
    let out = '';
    for (let i = 0; i < n; i++) {
      if (this.spaced[i]) out += ' ';
      out += this.texts[i];
      if (out.length >= MAX_FINGERPRINT_LENGTH) return cutAt(out, MAX_FINGERPRINT_LENGTH);
    }
    return out;
  }
}
