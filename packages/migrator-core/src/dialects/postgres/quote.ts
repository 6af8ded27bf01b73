/** PostgreSQL's quoting of names: the one place the engine builds an identifier into SQL or a message. */

/** A quoted identifier (`"public"`, `"my ""odd"" schema"`), safe to interpolate into SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** An identifier as an operator would type it: bare when PostgreSQL keeps it as written, else quoted. */
export function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

/** The schema-qualified name of one of the engine's tables (default: the history, `"public".schema_migrations`). */
export function engineTable(schema = 'public', table: 'schema_migrations' | 'schema_migrations_audit' = 'schema_migrations'): string {
  return `${quoteIdent(schema)}.${table}`;
}
