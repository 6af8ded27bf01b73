import { MigratorError } from './errors.js';

/** A database named by a URL: `postgres://` / `postgresql://`, or `sqlite:<path>`, `file:<path>` or a bare path. */
export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly redacted: string }
  | { readonly kind: 'sqlite'; readonly path: string; readonly redacted: string };

/**
 * Any text with the password of every URL in it (and any `password=` parameter) replaced by `***`:
 * for URLs, and for messages that may quote one (a usage error naming a stray argument).
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s'"]*:)[^@\s'"]*@/gi, '$1***@')
    .replace(/([?&]password=)[^&#\s'"]*/gi, '$1***');
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
    try {
      // pg decodes the password itself; a malformed escape would crash it later, with less context.
      decodeURIComponent(parsed.password);
    } catch (cause) {
      throw new MigratorError('CONFIG_INVALID', `Invalid PostgreSQL URL ${redactUrl(url)}: malformed percent-encoding in the password`, { cause });
    }
    return Object.freeze({ kind: 'postgres', url, redacted: redactUrl(url) });
  }
  if (scheme === 'sqlite' || scheme === 'file') {
    const path = url.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new MigratorError('CONFIG_INVALID', `Invalid SQLite URL ${url}: no file path`);
    return Object.freeze({ kind: 'sqlite', path, redacted: path });
  }
  // A single-letter "scheme" is a Windows drive letter; anything else with :// is a database we do not speak.
  if (scheme !== undefined && (scheme.length > 1 || url.includes('://'))) {
    throw new MigratorError('CONFIG_INVALID', `Unsupported database URL ${redactUrl(url)}: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path`);
  }
  return Object.freeze({ kind: 'sqlite', path: url, redacted: url });
}
