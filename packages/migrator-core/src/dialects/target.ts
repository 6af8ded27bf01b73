import { createRequire } from 'node:module';
import type { parse as parsePgConnectionString } from 'pg-connection-string';
import { MigratorError, messageOf } from '../errors.js';

/**
 * A database named by a URL: `postgres://` / `postgresql://`, a libpq keyword/value string
 * (`host=… dbname=…`), or `sqlite:<path>`, `file:<path>` or a path that clearly names a SQLite file.
 * `secrets` are the password's spellings (raw, decoded, encoded, JSON-escaped): the last-resort scrub
 * of everything written out.
 */
export type DatabaseTarget =
  | { readonly kind: 'postgres'; readonly url: string; readonly redacted: string; readonly host: string; readonly secrets: readonly string[] }
  | { readonly kind: 'sqlite'; readonly path: string; readonly redacted: string; readonly secrets: readonly string[] };

/**
 * Any text with the password of every URL in it (and any `password=` parameter or keyword) replaced
 * by `***`: for messages that may quote a connection string. The userinfo ends at the last `@` before
 * the host, as the WHATWG URL parser (and so pg) reads it, so a raw `@` in a password is covered. A
 * password holding a space or a quote has no end a reader of free text can be sure of: everything up to
 * the authority's last `@` (before the first / ? # or the end of the line) is then taken out, more than
 * the password rather than less.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s'"]*:)[^\s'"]*@(?=[^@\s'"]*(?:[\s'"]|$))/gi, '$1***@')
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s'"]*:)(?!\*\*\*@)[^/?#\n]*@/gi, '$1***@')
    .replace(/([?&]password=)(?:\\.|[^&#\n"\\])*/gi, '$1***')
    .replace(/((?<![?&])\bpassword\s*=\s*)('(?:[^'\\\n]|\\.)*(?:'|$)|[^\s'"]+)/gim, '$1***');
}

/**
 * What an error may show of a string the parser rejected: its scheme and the host and path after the
 * last `@`, never anything between `://` and that `@` (the password, however it is spelled), nor the query
 * or fragment (a `password=` parameter). Where the scheme itself is not plain, nothing is shown.
 */
function shownRejectedUrl(url: string): string {
  const at = url.indexOf('://');
  const scheme = url.slice(0, at);
  if (at === -1 || !/^[a-z][a-z0-9+.:-]*$/i.test(scheme)) return '(not shown: it may hold a password)';
  const rest = url.slice(at + 3);
  const last = rest.lastIndexOf('@');
  const afterUserinfo = last === -1 ? rest : rest.slice(last + 1);
  const place = /^[^?#\s'"]*/.exec(afterUserinfo)![0];
  const dropped = place.length < afterUserinfo.length ? '…' : '';
  return `${scheme}://${last === -1 ? '' : '***@'}${place}${dropped}`;
}

/** Replaces every spelling of a known password in `text`: the last line of defence behind structural redaction. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a spelling that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/** Passwords shorter than this are redacted structurally but not scrubbed from free text (it would mangle output). */
const MIN_SCRUBBED = 4;

function spellings(password: string | undefined | null, raw?: string): string[] {
  if (!password) return [];
  const forms = new Set([password, encodeURIComponent(password), JSON.stringify(password).slice(1, -1)]);
  if (raw) forms.add(raw);
  try {
    forms.add(encodeURI(password));
  } catch {
    // A lone surrogate cannot be encoded; the other spellings stand.
  }
  return [...forms].filter((s) => s.length >= MIN_SCRUBBED);
}

const KEYWORDS = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'sslmode',
  'application_name',
  'options',
  'connect_timeout',
  'sslcert',
  'sslkey',
  'sslrootcert',
]);

/** libpq's keyword/value syntax: `key = value`, values bare or single-quoted with `\'` and `\\` escapes. */
function parseKeywordValue(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new MigratorError('CONFIG_INVALID', `Invalid PostgreSQL connection string: ${what} (expected keyword = value pairs, as libpq reads them)`);
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    space();
    if (i >= text.length) return pairs;
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!key) fail(`unexpected text at character ${i + 1}`);
    i += key!.length;
    space();
    if (text[i] !== '=') fail(`"${key}" is not followed by "="`);
    i++;
    space();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) fail(`the value of "${key}" has no closing quote`);
        const c = text[i++]!;
        if (c === "'") break;
        value += c === '\\' && i < text.length ? text[i++]! : c;
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        const c = text[i++]!;
        value += c === '\\' && i < text.length ? text[i++]! : c;
      }
    }
    pairs.push([key!.toLowerCase(), value]);
  }
}

function quoteKeywordValue(value: string): string {
  return value === '' || /[\s'\\]/.test(value) ? `'${value.replace(/[\\']/g, '\\$&')}'` : value;
}

/** A keyword/value string as the URL pg reads, and its redacted form in the operator's own syntax. */
function keywordValueTarget(text: string): DatabaseTarget {
  const pairs = parseKeywordValue(text);
  const unknown = pairs.map(([k]) => k).filter((k) => !KEYWORDS.has(k));
  if (unknown.length > 0) {
    throw new MigratorError(
      'CONFIG_INVALID',
      `Unsupported keyword(s) in the PostgreSQL connection string: ${[...new Set(unknown)].join(', ')} (supported: ${[...KEYWORDS].join(', ')})`,
    );
  }
  const values = new Map(pairs);
  const host = values.get('hostaddr') || values.get('host') || 'localhost';
  if (host.includes(',')) throw new MigratorError('CONFIG_INVALID', 'Several hosts in one PostgreSQL connection string are not supported: give one host');
  const port = values.get('port');
  if (port !== undefined && !/^\d+$/.test(port)) throw new MigratorError('CONFIG_INVALID', `Invalid port "${port}" in the PostgreSQL connection string`);
  const user = values.get('user');
  const password = values.get('password');
  const params = new URLSearchParams();
  // A socket directory is not a host name: pg takes it as the `host` parameter.
  const socket = host.startsWith('/');
  if (socket) params.set('host', host);
  for (const key of ['sslmode', 'application_name', 'options', 'connect_timeout', 'sslcert', 'sslkey', 'sslrootcert']) {
    const value = values.get(key);
    if (value !== undefined) params.set(key, value);
  }
  const authority = `${user ? encodeURIComponent(user) : ''}${password ? `:${encodeURIComponent(password)}` : ''}${user || password ? '@' : ''}`;
  const hostPart = socket ? '' : host.includes(':') ? `[${host}]` : encodeURIComponent(host);
  const query = params.toString();
  const url =
    `postgresql://${authority}${hostPart}${port ? `:${port}` : ''}/${encodeURIComponent(values.get('dbname') ?? user ?? '')}` + `${query ? `?${query}` : ''}`;
  const redacted = pairs.map(([k, v]) => `${k}=${k === 'password' ? '***' : quoteKeywordValue(v)}`).join(' ');
  return Object.freeze({ kind: 'postgres', url, redacted, host: `${host}${port ? `:${port}` : ''}`, secrets: Object.freeze(spellings(password)) });
}

/** A postgres:// URL read by the driver's own parser, with the password taken out of its printed form. */
function postgresUrlTarget(url: string): DatabaseTarget {
  const invalid = (why: string, cause?: unknown) =>
    new MigratorError(
      'CONFIG_INVALID',
      `Invalid PostgreSQL URL (${why}); the URL is not shown because it may hold a password. Percent-encode special characters in the user name and ` +
        `password (@ %40, : %3A, / %2F, # %23, ? %3F, % %25, space %20), or use a keyword/value string: host=… port=… dbname=… user=… password='…'`,
      cause === undefined ? {} : { cause },
    );
  if (!/^[a-z]+:\/\//i.test(url)) throw invalid('expected postgres:// or postgresql://');
  let config: ReturnType<typeof parsePgConnectionString>;
  let parsed: URL;
  try {
    // Required here, not imported: a SQLite run never loads it (pg loads it anyway on PostgreSQL).
    const { parse } = createRequire(import.meta.url)('pg-connection-string') as { parse: typeof parsePgConnectionString };
    config = parse(url);
    // The same preprocessing pg-connection-string applies, so the URL read here is the one pg reads.
    const prepared = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url) ? encodeURI(url).replace(/%25(\d\d)/g, '%$1') : url;
    parsed = new URL(prepared);
  } catch (cause) {
    // pg-connection-string already strips the input from its errors; ours never quote the URL either.
    throw invalid(messageOf(cause).replace(/:\/\/[^\n]*/g, '://…'), cause);
  }
  if (!parsed.hostname && !config.host) throw invalid('no host');
  // The password as written: userinfo ends at the authority's last `@`, the authority at the first / ? #.
  const authority = url.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0]!;
  const userinfo = authority.slice(0, Math.max(0, authority.lastIndexOf('@')));
  const rawPassword = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : undefined;
  const secrets = spellings(config.password, rawPassword);
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  const redacted = parsed.toString();
  const host = `${config.host ?? ''}${config.port ? `:${config.port}` : ''}`;
  return Object.freeze({ kind: 'postgres', url, redacted: scrubSecrets(redacted, secrets), host, secrets: Object.freeze(secrets) });
}

const SQLITE_PATH = /^(?:\/|\.\.?[/\\]|[A-Za-z]:[/\\])|\.(?:db|sqlite3?)$/i;
const KEYWORD_VALUE = /^[A-Za-z_][A-Za-z0-9_]*\s*=/;

/** Parses a database URL once, at the edge; throws CONFIG_INVALID for anything it cannot use. */
export function parseDatabaseUrl(raw: string): DatabaseTarget {
  const url = raw.trim();
  if (url === '') throw new MigratorError('CONFIG_INVALID', 'The database URL is empty');
  if (KEYWORD_VALUE.test(url)) return keywordValueTarget(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return postgresUrlTarget(url);
  if (scheme === 'sqlite' || scheme === 'file') {
    const path = url.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new MigratorError('CONFIG_INVALID', `Invalid SQLite URL ${url}: no file path`);
    return Object.freeze({ kind: 'sqlite', path, redacted: path, secrets: Object.freeze([]) });
  }
  // A single-letter "scheme" is a Windows drive letter; anything else with :// is a database we do not speak.
  if (url.includes('://')) {
    throw new MigratorError(
      'CONFIG_INVALID',
      `Unsupported database URL ${shownRejectedUrl(url)}: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path`,
    );
  }
  // A bare value is a SQLite file only when it clearly is one: never a misread connection string.
  if (!SQLITE_PATH.test(url)) {
    const shown = /^[\w./\\-]+$/.test(url) ? `"${url}"` : 'the value given';
    throw new MigratorError(
      'CONFIG_INVALID',
      `Cannot tell which database ${shown} names: give postgres://…, a keyword/value string (host=… dbname=…), sqlite:<path>, or a SQLite file path ` +
        `ending in .db, .sqlite or .sqlite3 (or starting with /, ./ or ../)`,
    );
  }
  return Object.freeze({ kind: 'sqlite', path: url, redacted: url, secrets: Object.freeze([]) });
}
