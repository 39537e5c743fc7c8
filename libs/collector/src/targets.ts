/**
 * What the collector monitors. A target is a connection URL (`postgres://…` or `mysql://…`,
 * MariaDB included) plus display/grouping names. Credentials live only in the URL and never
 * leave this process: logs and metrics carry the redacted URL or the instance address.
 */
export type DbSystemKind = 'postgresql' | 'mysql';

export interface DbTargetConfig {
  /** postgres://user:pass@host:5432/db or mysql://user:pass@host:3306/db */
  url: string;
  /** Shown in the honeycomb; default: the instance address. */
  name?: string;
  /** Honeycomb grouping (e.g. "orders-primary"); default: none (grouped by system). */
  cluster?: string;
}

export interface DbTarget {
  kind: DbSystemKind;
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** host:port — the same key client spans carry as server.address:server.port. */
  instance: string;
  name: string;
  cluster: string;
  /** The URL with the password replaced, safe for logs. */
  redactedUrl: string;
}

const DEFAULT_PORTS: Record<DbSystemKind, number> = { postgresql: 5432, mysql: 3306 };

/** `postgres://u:secret@h/db` → `postgres://u:***@h/db`; unparsable text is hidden entirely. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|token|key/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}

/** Validates a target; throws naming the problem (never echoing the password). */
export function parseTarget(t: DbTargetConfig): DbTarget {
  let u: URL;
  try {
    u = new URL(t.url);
  } catch {
    throw new Error(`collector target ${redactUrl(t.url)}: not a URL; expected postgres://user:password@host:5432/db or mysql://user:password@host:3306/db`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  const kind: DbSystemKind | undefined =
    scheme === 'postgres' || scheme === 'postgresql' ? 'postgresql' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
  if (!kind) throw new Error(`collector target ${redactUrl(t.url)}: unsupported scheme "${scheme}"; use postgres:// or mysql://`);
  if (!u.hostname) throw new Error(`collector target ${redactUrl(t.url)}: no host`);
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[kind];
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const instance = `${host}:${port}`;
  return {
    kind,
    url: t.url,
    host,
    port,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || (kind === 'postgresql' ? 'postgres' : ''),
    user: decodeURIComponent(u.username),
    instance,
    name: t.name?.trim() || instance,
    cluster: t.cluster?.trim() ?? '',
    redactedUrl: redactUrl(t.url),
  };
}
