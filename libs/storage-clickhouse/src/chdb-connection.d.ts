// The repo's TypeScript uses `moduleResolution: node`, which ignores package.json "exports", so
// the `chdb/connection` subpath (what Node resolves at run time) needs this pointer to its types.
declare module 'chdb/connection' {
  export * from 'chdb/dist/connection';
}
