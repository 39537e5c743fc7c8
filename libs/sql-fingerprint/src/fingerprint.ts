/**
 * SQL fingerprint: the key `sql_stats_1m` groups statements by. Same statement shape → same
 * string, whatever the literal values, placeholder style, list lengths, comments, whitespace or
 * keyword case. Built from tokens (never a parse tree) so that truncated, invalid or non-SQL
 * input still yields a stable, literal-free string instead of an error.
 */
import type { SqlDialect } from './dialect';
import { BOOLEAN_LITERALS, CALL_KEYWORDS, KEYWORD_MAX_LENGTH, KEYWORD_MIN_LENGTH, KEYWORDS, TABLE_KEYWORDS, VALUE_KEYWORDS } from './keywords';
import { SqlLexer, type TokenStream } from './lexer';
import { postgresTokens } from './pg-scanner';

/**
 * Input beyond this many UTF-16 code units is ignored. Span attributes can carry multi-megabyte
 * statements (bulk inserts, generated IN lists); the first 32 KiB identify the statement shape
 * and bound the work per span. Statements that only differ after this point share a fingerprint.
 */
export const MAX_SQL_INPUT_LENGTH = 32 * 1024;

/** The fingerprint itself is cut to this length (it is stored and shown per row group). */
export const MAX_FINGERPRINT_LENGTH = 8 * 1024;

// Each token consumes at least one input character; closing a cut-off list adds one `)`.
const TOKEN_CAPACITY = MAX_SQL_INPUT_LENGTH + 2;

/** What the fingerprint does with each kind of output token (stored in a Uint8Array). */
const KEYWORD = 1;
const IDENT = 2;
const VALUE = 3; // a literal or placeholder, rendered `?`
const OPERATOR = 4;
const PUNCT = 5;

/**
 * Normalized statement: literals and placeholders → `?`, IN / ARRAY lists of identical items and
 * repeated identical VALUES rows collapsed to one, keywords uppercased, identifiers as written,
 * comments and trailing `;` removed, spacing canonical. Never throws; returns '' for empty or
 * non-string input.
 *
 * PostgreSQL statements are tokenized by PostgreSQL's own scanner (libpg-query) once per
 * statement shape; see refineWithPostgres. Everything else, and every statement before that
 * scanner has loaded, goes through Meridian's lexer alone.
 */
export function fingerprintSql(sql: string, dialect: SqlDialect = 'generic'): string {
  if (typeof sql !== 'string' || sql.length === 0) return '';
  try {
    if (dialect === 'command') return commandFingerprint(sql);
    const input = cutAt(sql, MAX_SQL_INPUT_LENGTH);
    const fast = builder.build(new SqlLexer(input, dialect));
    return dialect === 'postgresql' ? refineWithPostgres(input, fast) : fast;
  } catch {
    // Unreachable by design; ingest must never fail on a span attribute. Returning the raw text
    // would leak literal values, so an unfingerprintable statement gets the empty key.
    return '';
  }
}

/** `GET session:1e6c…` → `GET ?`, `PING` → `PING`: the command, never its data (keys, values). */
function commandFingerprint(text: string): string {
  const m = /^\s*([A-Za-z][A-Za-z0-9_.-]{0,63})(\s+\S[\s\S]*)?$/.exec(text.length > 256 ? text.slice(0, 256) : text);
  if (!m) return '';
  return m[2] ? `${m[1].toUpperCase()} ?` : m[1].toUpperCase();
}

/** Meridian's lexer only (tests compare it with PostgreSQL's scanner). */
export function fingerprintWithLexer(sql: string, dialect: Exclude<SqlDialect, 'command'>): string {
  return builder.build(new SqlLexer(cutAt(sql, MAX_SQL_INPUT_LENGTH), dialect));
}

/** PostgreSQL's scanner only; undefined while it is not loaded or when it refuses the input. */
export function fingerprintWithPostgresScanner(sql: string): string | undefined {
  const tokens = postgresTokens(cutAt(sql, MAX_SQL_INPUT_LENGTH));
  return tokens && builder.build(tokens);
}

// The PostgreSQL scanner costs ~50 µs per statement (WebAssembly plus a JSON hand-over), ~20x
// Meridian's lexer, so it runs once per statement SHAPE: the lexer's fingerprint is the key of
// what PostgreSQL's tokens make of that shape. Statements with inlined literals (a new text per
// call) then cost one lexer pass and a map lookup, like parameterized ones.
const REFINED_MAX = 10_000;
const REFINE_MAX_INPUT = 8 * 1024; // longer statements (bulk inserts) keep the lexer's answer: bounded work
const refined = new Map<string, string>();

// Client-side placeholder styles PostgreSQL's scanner does not know (`?`, `%s`, `%(name)s`, `:name`).
const CLIENT_PLACEHOLDERS = /\?|%s|%\(|(?:^|[^:]):[A-Za-z_]/;

function refineWithPostgres(input: string, fast: string): string {
  const known = refined.get(fast);
  if (known !== undefined) return known;
  if (input.length > REFINE_MAX_INPUT || CLIENT_PLACEHOLDERS.test(input)) return fast;
  const tokens = postgresTokens(input);
  if (!tokens) return fast; // not loaded yet, or input PostgreSQL itself would reject (garbage, cut off)
  const exact = builder.build(tokens);
  if (refined.size >= REFINED_MAX) refined.delete(refined.keys().next().value as string); // oldest first
  refined.set(fast, exact);
  return exact;
}

// Word as written → its keyword (uppercase), or '' when it is none. Statements repeat a small
// vocabulary, and a lookup costs less than uppercasing each word and then looking that up.
// Bounded: past KEYWORD_CACHE_MAX words, new ones are answered without being remembered.
const KEYWORD_CACHE_MAX = 4096;
const keywordCache = new Map<string, string>();

function keywordOf(word: string): string {
  if (word.length < KEYWORD_MIN_LENGTH || word.length > KEYWORD_MAX_LENGTH) return '';
  let keyword = keywordCache.get(word);
  if (keyword === undefined) {
    const upper = word.toUpperCase();
    keyword = KEYWORDS.has(upper) ? upper : '';
    if (keywordCache.size < KEYWORD_CACHE_MAX) keywordCache.set(word, keyword);
  }
  return keyword;
}

/** Cuts to `max` code units without splitting a surrogate pair. */
function cutAt(s: string, max: number): string {
  if (s.length <= max) return s;
  const high = s.charCodeAt(max - 1);
  return s.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}

/**
 * Builds one fingerprint at a time into preallocated buffers. Every token takes at least one
 * input character, so MAX_SQL_INPUT_LENGTH bounds the token count and the buffers never grow;
 * reusing them keeps the per-span cost to the lexing itself (fingerprinting runs for every DB
 * span at ingest). One shared instance is safe: build() is synchronous and calls no user code.
 */
class FingerprintBuilder {
  // Output tokens as parallel arrays of length `count`; collapsing truncates from the end.
  private readonly texts: string[] = [];
  private readonly kinds = new Uint8Array(TOKEN_CAPACITY);
  private readonly spaced = new Uint8Array(TOKEN_CAPACITY);
  /** For `(` and `[`: index of the matching close, -1 while open (or never closed). */
  private readonly partner = new Int32Array(TOKEN_CAPACITY);
  private count = 0;
  /** Highest slot of `texts` written during this build (truncation leaves stale slots above count). */
  private written = 0;

  /** Indices of the `(` / `[` still open, innermost last. */
  private readonly openers = new Int32Array(TOKEN_CAPACITY);
  private depth = 0;

  // Last kept row of the VALUES list being built (indices of its `(` and `)`), or -1.
  private rowOpen = -1;
  private rowClose = -1;

  /** Token comparisons left for collapsing; keeps adversarial nesting linear-time. */
  private compareBudget = 0;

  build(tokens: TokenStream): string {
    this.count = 0;
    this.depth = 0;
    this.rowOpen = -1;
    this.rowClose = -1;
    this.compareBudget = 4 * tokens.length + 64;
    while (tokens.next()) this.accept(tokens);
    this.repairCutOffList();
    const fingerprint = this.render();
    // Token texts can be slices that pin the caller's (possibly huge) attribute string: drop them.
    this.texts.fill('', 0, this.written);
    this.written = 0;
    return fingerprint;
  }

  private accept(lexer: TokenStream): void {
    switch (lexer.kind) {
      case 'string':
      case 'placeholder':
        this.push('?', VALUE);
        return;
      case 'number':
        this.dropSign();
        this.push('?', VALUE);
        return;
      case 'quoted':
        this.push(lexer.text(), IDENT);
        return;
      case 'operator':
        this.push(lexer.text(), OPERATOR);
        return;
      case 'word':
        this.acceptWord(lexer);
        return;
      case 'punct':
        this.acceptPunct(lexer.text());
        return;
    }
  }

  private acceptWord(lexer: TokenStream): void {
    const text = lexer.text();
    const keyword = keywordOf(text);
    const qualified = (this.count > 0 && this.texts[this.count - 1] === '.') || lexer.isFollowedByDot();
    if (qualified || keyword === '') this.push(text, IDENT);
    else if (BOOLEAN_LITERALS.has(keyword)) this.push('?', VALUE);
    else this.push(keyword, KEYWORD);
  }

  private acceptPunct(text: string): void {
    if (text === '(' || text === '[') {
      this.openers[this.depth++] = this.count;
      this.push(text, PUNCT);
      return;
    }
    if ((text === ')' || text === ']') && this.depth > 0) {
      const open = this.openers[this.depth - 1];
      if (this.texts[open] === (text === ')' ? '(' : '[')) {
        this.depth--;
        this.closeGroup(open);
        return;
      }
    }
    this.push(text, PUNCT); // , ; . and unmatched closers
  }

  private closeGroup(open: number): void {
    const close = this.texts[open] === '(' ? ')' : ']';
    if (this.isListOpener(open)) this.collapseItems(open);
    this.partner[open] = this.count;
    this.push(close, PUNCT);
    if (close === ')') this.collapseValuesRow(open, this.count - 1);
  }

  /** The `(` of `IN (…)` or the `[` of `ARRAY[…]`: a list whose length is not part of the shape. */
  private isListOpener(open: number): boolean {
    if (open === 0 || this.kinds[open - 1] !== KEYWORD) return false;
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
    let level = 0; // outermost open list first: everything inside it belongs to the cut item
    while (level < this.depth && !this.isListOpener(this.openers[level]) && !this.continuesValuesRows(this.openers[level])) {
      level++;
    }
    if (level === this.depth) {
      // Cut right after a VALUES row's comma: drop the dangling `,`.
      if (this.count - 2 === this.rowClose && this.isComma(this.count - 1)) this.truncate(this.count - 1);
      return;
    }
    const open = this.openers[level];
    // A group still open inside the list is part of its last, cut-off item.
    const limit = level + 1 < this.depth ? this.openers[level + 1] : this.count;
    this.depth = level;
    if (this.continuesValuesRows(open)) {
      this.truncate(open - 1);
      return;
    }
    let lastComma = -1;
    for (let i = open + 1; i < limit; i = this.partner[i] > i ? this.partner[i] + 1 : i + 1) {
      if (this.isComma(i)) lastComma = i;
    }
    this.truncate(lastComma > 0 ? lastComma : limit);
    this.closeGroup(open);
  }

  /** `IN (?, ?, ?)` → `IN (?)`; `IN ((?, ?), (?, ?))` → `IN ((?, ?))`: only when all items match. */
  private collapseItems(open: number): void {
    const end = this.count;
    const firstStart = open + 1;
    const firstEnd = this.itemEnd(firstStart, end);
    if (firstEnd >= end) return; // zero or one item
    const itemLength = firstEnd - firstStart;
    for (let comma = firstEnd; comma < end;) {
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
    if (open > 0 && this.kinds[open - 1] === KEYWORD && this.texts[open - 1] === 'VALUES') {
      this.rowOpen = open;
      this.rowClose = close;
      return;
    }
    if (!this.continuesValuesRows(open)) return;
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
    while (i < end && !this.isComma(i)) {
      const match = this.partner[i];
      i = match > i ? match + 1 : i + 1;
    }
    return i;
  }

  private isComma(i: number): boolean {
    return this.kinds[i] === PUNCT && this.texts[i] === ',';
  }

  private sameTokens(a: number, b: number, length: number): boolean {
    if (length > this.compareBudget) return false;
    this.compareBudget -= length;
    for (let k = 0; k < length; k++) {
      if (this.kinds[a + k] !== this.kinds[b + k] || this.texts[a + k] !== this.texts[b + k]) return false;
    }
    return true;
  }

  /** A `-`/`+` right before a number is its sign unless it follows a value (`a - 1`). */
  private dropSign(): void {
    const last = this.count - 1;
    if (last < 0 || this.kinds[last] !== OPERATOR) return;
    const sign = this.texts[last];
    if (sign !== '-' && sign !== '+') return;
    if (last > 0 && this.endsValue(last - 1)) return;
    this.truncate(last);
  }

  private endsValue(i: number): boolean {
    const kind = this.kinds[i];
    if (kind === IDENT || kind === VALUE) return true;
    if (kind === KEYWORD) return VALUE_KEYWORDS.has(this.texts[i]);
    return kind === PUNCT && (this.texts[i] === ')' || this.texts[i] === ']');
  }

  private push(text: string, kind: number): void {
    const i = this.count;
    if (i >= TOKEN_CAPACITY) return; // cannot happen (see TOKEN_CAPACITY); never write out of bounds
    this.spaced[i] = this.spaceBefore(text, kind) ? 1 : 0;
    this.texts[i] = text;
    this.kinds[i] = kind;
    this.partner[i] = -1;
    this.count = i + 1;
    if (this.count > this.written) this.written = this.count;
  }

  /** Drops tokens from `length` on; only closed groups or the current list's items are dropped. */
  private truncate(length: number): void {
    this.count = length;
  }

  /**
   * Canonical spacing, independent of the input's: one space between tokens except none after
   * `(` `[` `.` `::`, none before `,` `)` `]` `;` `.` `::`, and none before the `(` of a call
   * (`count(*)`, `CAST(`) or the `[` of a subscript.
   */
  private spaceBefore(text: string, kind: number): boolean {
    const last = this.count - 1;
    if (last < 0) return false;
    const prev = this.texts[last];
    const prevKind = this.kinds[last];
    if (prev === '(' || prev === '[' || prev === '.' || prev === '::') return false;
    if (kind === PUNCT && text !== '(' && text !== '[') return false; // , ) ] ; .
    if (text === '::') return false;
    if (text === '(') {
      if (prevKind === KEYWORD) return !CALL_KEYWORDS.has(prev);
      if (prevKind === IDENT) return this.followsTableKeyword(last);
      return true;
    }
    if (text === '[') {
      if (prevKind === KEYWORD) return prev !== 'ARRAY';
      return !(prevKind === IDENT || prevKind === VALUE || prev === ')' || prev === ']');
    }
    return true;
  }

  /** True for the `orders` in `INSERT INTO orders (…)` / `INTO public.orders (…)`. */
  private followsTableKeyword(nameEnd: number): boolean {
    let i = nameEnd;
    // Walk back over a short qualified name (catalog.schema.table); bounded so it stays O(1).
    for (let hops = 0; hops < 3 && i >= 2 && this.texts[i - 1] === '.' && this.kinds[i - 2] === IDENT; hops++) i -= 2;
    return i > 0 && this.kinds[i - 1] === KEYWORD && TABLE_KEYWORDS.has(this.texts[i - 1]);
  }

  private render(): string {
    let n = this.count;
    while (n > 0 && this.kinds[n - 1] === PUNCT && this.texts[n - 1] === ';') n--;
    let out = '';
    for (let i = 0; i < n; i++) {
      if (this.spaced[i] === 1) out += ' ';
      out += this.texts[i];
      if (out.length >= MAX_FINGERPRINT_LENGTH) return cutAt(out, MAX_FINGERPRINT_LENGTH);
    }
    return out;
  }
}

const builder = new FingerprintBuilder();
