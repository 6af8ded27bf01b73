import { MigratorError } from './errors.js';

/** A database named by a URL: `postgres://` / `postgresql://`, or `sqlite:<path>`, `file:<path>` or a bare path. */
export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly redacted: string; readonly password: string | null }
  | { readonly kind: 'sqlite'; readonly path: string; readonly redacted: string; readonly password: null };

/** The URL with its password (and any `password=` query parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Parses a database URL once, at the edge; throws CONFIG_INVALID for anything it cannot use. */
export function parseDatabaseUrl(raw: string): DatabaseTarget {
  const url = raw.trim();
  if (url === '') throw new MigratorError('CONFIG_INVALID', 'The database URL is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (cause) {
      throw new MigratorError('CONFIG_INVALID', `Invalid PostgreSQL URL ${redactUrl(url)}`, { cause });
    }
    const password = parsed.password ? decodeURIComponent(parsed.password) : parsed.searchParams.get('password');
    return Object.freeze({ kind: 'postgres', url, redacted: redactUrl(url), password: password || null });
  }
  if (scheme === 'sqlite' || scheme === 'file') {
    const path = url.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new MigratorError('CONFIG_INVALID', `Invalid SQLite URL ${url}: no file path`);
    return Object.freeze({ kind: 'sqlite', path, redacted: path, password: null });
  }
  // A single-letter "scheme" is a Windows drive letter; anything else with :// is a database we do not speak.
  if (scheme !== undefined && (scheme.length > 1 || url.includes('://'))) {
    throw new MigratorError('CONFIG_INVALID', `Unsupported database URL ${redactUrl(url)}: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path`);
  }
  return Object.freeze({ kind: 'sqlite', path: url, redacted: url, password: null });
}
