/**
 * `export NAME='value'` lines for a POSIX shell, ready to paste (the OTel SDK variables of a
 * new ingest key). Single quotes keep `$`, spaces and `=` in values literal.
 */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}='${v.replaceAll("'", `'\\''`)}'`)
    .join('\n');
}
