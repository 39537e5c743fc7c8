/**
 * PostgreSQL's own lexer (the server's scan.l, compiled to WebAssembly by the maintained
 * libpg-query package) as a token stream for the fingerprint builder. It decides token
 * boundaries exactly as the server does (operators, escapes, dollar quotes, numeric forms,
 * comments); it throws on input the server would reject (unterminated literals, trailing junk),
 * and then the caller keeps Meridian's own lexer's answer.
 *
 * The WebAssembly module loads asynchronously (~20 ms) when this file is first imported; until
 * then postgresTokens() answers undefined.
 */
import { loadModule, scanSync, type ScanToken } from 'libpg-query';
import type { TokenKind, TokenStream } from './lexer';

let loaded = false;
const loading: Promise<void> = loadModule().then(
  () => {
    loaded = true;
  },
  () => undefined, // no scanner: every statement keeps the lexer's fingerprint
);

/** Resolves once PostgreSQL's scanner is usable (or known to be unavailable). */
export function sqlFingerprintReady(): Promise<void> {
  return loading;
}

const PUNCT = new Set(['(', ')', '[', ']', ',', ';', '.']);
const PREFIXED_STRING = /^(?:[EeBbXxNn]|[Uu]&)'/;

/** Tokens of `sql` from PostgreSQL's scanner, or undefined (not loaded, or rejected by PostgreSQL). */
export function postgresTokens(sql: string): TokenStream | undefined {
  if (!loaded) return undefined;
  let tokens: ScanToken[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return undefined;
  }
  return new ScannedTokens(tokens, sql.length);
}

function kindOf(t: ScanToken): TokenKind | undefined {
  switch (t.tokenName) {
    case 'C_COMMENT':
    case 'SQL_COMMENT':
      return undefined;
    case 'ICONST':
    case 'FCONST':
      return 'number';
    case 'PARAM':
      return 'placeholder';
    case 'SCONST':
    case 'USCONST':
    case 'BCONST':
    case 'XCONST':
      return 'string';
    case 'IDENT':
    case 'UIDENT':
      return t.text.startsWith('"') || /^[Uu]&"/.test(t.text) ? 'quoted' : 'word';
  }
  if (t.keywordKind > 0) return 'word';
  const first = t.text.charCodeAt(0);
  if (first === 0x27 || PREFIXED_STRING.test(t.text)) return 'string'; // 'x', E'x', B'01', X'ff', U&'x'
  if (PUNCT.has(t.text)) return 'punct';
  return 'operator';
}

class ScannedTokens implements TokenStream {
  kind: TokenKind = 'punct';
  private i = -1;
  private readonly tokens: Array<{ kind: TokenKind; text: string }>;

  constructor(
    scanned: readonly ScanToken[],
    readonly length: number,
  ) {
    this.tokens = [];
    for (let i = 0; i < scanned.length; i++) {
      const t = scanned[i];
      // N'…' (national character string) scans as an NCHAR keyword glued to the string: one literal.
      if ((t.text === 'N' || t.text === 'n') && scanned[i + 1]?.start === t.end && scanned[i + 1].tokenName === 'SCONST') continue;
      const kind = kindOf(t);
      if (kind) this.tokens.push({ kind, text: t.text });
    }
  }

  next(): boolean {
    if (++this.i >= this.tokens.length) return false;
    this.kind = this.tokens[this.i].kind;
    return true;
  }

  text(): string {
    return this.tokens[this.i].text;
  }

  isFollowedByDot(): boolean {
    return this.tokens[this.i + 1]?.text === '.';
  }
}
