import { parseDatabaseUrl } from '@atlasai/migrator-core';

/** What the fleet keeps of a tenant's db_url: never the URL itself, which may carry a password. */
export interface TenantTarget {
  /** host:port, the key of the per-host cap (port 5432 when the URL gives none). */
  readonly host: string;
  /** host:port/database, for people. */
  readonly target: string;
  readonly hasPassword: boolean;
}

export function describeTarget(dbUrl: string): TenantTarget {
  const parsed = parseDatabaseUrl(dbUrl);
  if (parsed.kind !== 'postgres') return { host: 'sqlite', target: parsed.redacted, hasPassword: false };
  let host = parsed.host;
  let database = '';
  try {
    const url = new URL(parsed.url);
    host = `${url.hostname || 'localhost'}:${url.port || '5432'}`;
    database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    // A keyword/value string: its host as the engine read it.
    if (!/:\d+$/.test(host)) host = `${host}:5432`;
  }
  return { host, target: database ? `${host}/${database}` : host, hasPassword: parsed.secrets.length > 0 };
}
