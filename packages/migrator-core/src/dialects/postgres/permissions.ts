import { quoteIdentIfNeeded as ident } from './quote.js';

/**
 * SQLSTATE 42501 (insufficient privilege) explained: which privilege is missing on which object, and
 * the operator guide's GRANT statements with the real database, schema and role filled in.
 */

export const INSUFFICIENT_PRIVILEGE = '42501';

/** Who the migration runs as and where, read once at connect (`current_database()`, `current_user`). */
export interface PrivilegeContext {
  readonly database: string;
  readonly role: string;
  readonly schema: string;
}

/** An explanation of a 42501 message: what is missing, and the statements that grant it. */
export function explainPermissionDenied(message: string, ctx: PrivilegeContext): { missing: string; hint: string } {
  const role = ident(ctx.role);
  const guide = [
    `GRANT CREATE ON DATABASE ${ident(ctx.database)} TO ${role};`,
    `GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${ident(ctx.schema)} TO ${role};`,
    `GRANT ALL PRIVILEGES ON SCHEMA ${ident(ctx.schema)} TO ${role};`,
  ];
  let missing = `role ${ctx.role} lacks a privilege this migration needs`;
  let specific: string[] = [];
  let m: RegExpExecArray | null;
  if ((m = /permission denied for schema (\S+)/.exec(message))) {
    missing = `role ${ctx.role} lacks CREATE (or USAGE) on schema ${m[1]} (PostgreSQL 15 and later no longer grant CREATE on public to everyone)`;
    specific = [`GRANT USAGE, CREATE ON SCHEMA ${ident(m[1]!)} TO ${role};`];
  } else if ((m = /must be owner of (table|relation|index|sequence|view|materialized view|type|function|schema) (\S+)/.exec(message))) {
    missing = `role ${ctx.role} does not own ${m[1]} ${m[2]}, and only its owner may alter it`;
    const kind = m[1] === 'relation' || m[1] === 'index' ? 'TABLE' : m[1]!.toUpperCase();
    specific = [`ALTER ${kind} ${m[2]} OWNER TO ${role};`];
  } else if ((m = /permission denied for (table|relation|sequence|view|materialized view) (\S+)/.exec(message))) {
    missing = `role ${ctx.role} lacks privileges on ${m[1]} ${m[2]}`;
    specific = [`GRANT ALL PRIVILEGES ON ${m[1] === 'sequence' ? 'SEQUENCE' : 'TABLE'} ${m[2]} TO ${role};`];
  } else if ((m = /permission denied for database (\S+)/.exec(message)) || /permission denied to create/.test(message)) {
    missing = `role ${ctx.role} lacks CREATE on database ${m?.[1] ?? ctx.database}`;
    specific = [`GRANT CREATE ON DATABASE ${ident(m?.[1] ?? ctx.database)} TO ${role};`];
  }
  // One line, so it stays under its report tag and pastes into psql as it is.
  const hint =
    specific.length > 0
      ? `As the object's owner or a superuser, run: ${specific.join(' ')} (or grant everything the operator guide lists: ${guide.join(' ')})`
      : `As the object's owner or a superuser, grant what the operator guide lists: ${guide.join(' ')}`;
  return { missing, hint };
}
