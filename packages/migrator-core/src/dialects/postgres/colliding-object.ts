import type pg from 'pg';
import type { NamedObject, Statement, StatementError } from '../../dialect.js';
import type { SessionQuery } from './session-context.js';

/**
 * Which existing object of the plane's schema a failed statement ran into, read from PostgreSQL's own
 * words (its messages are English unless lc_messages says otherwise: then nothing matches and nothing is
 * said) and confirmed in the catalog, named as the snapshot names it.
 */

interface RelationRow {
  readonly relkind: string;
  readonly relname: string;
  readonly table: string | null;
  readonly conname: string | null;
}

const RELATION_SQL = `
SELECT c.relkind::text AS relkind, c.relname, t.relname AS table, con.conname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index x ON x.indexrelid = c.oid
  LEFT JOIN pg_class t ON t.oid = x.indrelid
  LEFT JOIN pg_constraint con ON con.conindid = c.oid AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')
 WHERE n.nspname = $1 AND c.relname = $2`;

async function relation(query: SessionQuery, schema: string, name: string): Promise<NamedObject | null> {
  const { rows } = await query<RelationRow & pg.QueryResultRow>(RELATION_SQL, [schema, name]);
  const row = rows[0];
  if (!row) return null;
  switch (row.relkind) {
    case 'r':
    case 'p':
    case 'f':
      return { kind: 'table', name: row.relname };
    case 'v':
    case 'm':
      return { kind: 'view', name: row.relname };
    case 'S':
      return { kind: 'sequence', name: row.relname };
    case 'c':
      return { kind: 'type', name: row.relname };
    case 'i':
    case 'I':
      if (row.table === null) return null;
      return row.conname === null ? { kind: 'index', name: `${row.table}.${row.relname}` } : { kind: 'constraint', name: `${row.table}.${row.conname}` };
    default:
      return null;
  }
}

/** A type's name is also every table's row type: `CREATE TYPE users` collides with the table. */
async function type(query: SessionQuery, schema: string, name: string): Promise<NamedObject | null> {
  const { rows } = await query<{ relname: string | null }>(
    `SELECT c.relname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid
      WHERE n.nspname = $1 AND t.typname = $2`,
    [schema, name],
  );
  if (rows.length === 0) return null;
  const owner = rows[0]!.relname;
  return owner === null ? { kind: 'type', name } : relation(query, schema, owner);
}

async function confirmed(query: SessionQuery, sql: string, values: unknown[], object: NamedObject): Promise<NamedObject | null> {
  const { rows } = await query(sql, values);
  return rows.length > 0 ? object : null;
}

const OF_TABLE = `JOIN pg_class c ON c.oid = {rel} JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`;

/** See `SessionCapabilities.collidingObject`. */
export async function postgresCollidingObject(
  query: SessionQuery,
  schema: string,
  error: StatementError,
  _statement: Statement | undefined,
): Promise<NamedObject | null> {
  const cause = error.cause as Partial<pg.DatabaseError> | undefined;
  // The database's words, not a message the engine rewrote (a skip the catalog did not confirm).
  const said = typeof cause?.message === 'string' ? cause.message : '';
  let m: RegExpExecArray | null;
  switch (error.sqlstate) {
    case '42P07':
      m = /^relation "(.+)" already exists$/.exec(said);
      return m ? relation(query, schema, m[1]!) : null;
    case '42710':
      if ((m = /^type "(.+)" already exists$/.exec(said))) return type(query, schema, m[1]!);
      if ((m = /^constraint "(.+)" for relation "(.+)" already exists$/.exec(said))) {
        return confirmed(query, `SELECT 1 FROM pg_constraint k ${OF_TABLE.replace('{rel}', 'k.conrelid')} AND k.conname = $3`, [schema, m[2], m[1]], {
          kind: 'constraint',
          name: `${m[2]}.${m[1]}`,
        });
      }
      if ((m = /^trigger "(.+)" for relation "(.+)" already exists$/.exec(said))) {
        return confirmed(
          query,
          `SELECT 1 FROM pg_trigger g ${OF_TABLE.replace('{rel}', 'g.tgrelid')} AND g.tgname = $3 AND NOT g.tgisinternal`,
          [schema, m[2], m[1]],
          { kind: 'trigger', name: `${m[2]}.${m[1]}` },
        );
      }
      return null;
    case '42701':
      m = /^column "(.+)" of relation "(.+)" already exists$/.exec(said);
      return m
        ? confirmed(
            query,
            `SELECT 1 FROM pg_attribute a ${OF_TABLE.replace('{rel}', 'a.attrelid')} AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped`,
            [schema, m[2], m[1]],
            { kind: 'column', name: `${m[2]}.${m[1]}` },
          )
        : null;
    case '42809':
      // `CREATE OR REPLACE VIEW x` over a table x, `ALTER INDEX x` of a table: the name is someone else's.
      m = /^"(.+)" is not an? [a-z ]+$/.exec(said);
      return m ? relation(query, schema, m[1]!) : null;
    case '42P16': {
      m = /^multiple primary keys for table "(.+)" are not allowed$/.exec(said);
      if (!m) return null;
      const { rows } = await query<{ conname: string }>(
        `SELECT k.conname FROM pg_constraint k ${OF_TABLE.replace('{rel}', 'k.conrelid')} AND k.contype = 'p'`,
        [schema, m[1]],
      );
      return rows[0] ? { kind: 'constraint', name: `${m[1]}.${rows[0].conname}` } : null;
    }
    case '23505':
      // A unique index (or constraint) that refuses the migration's rows: pg names it, and its schema.
      return cause?.schema === schema && typeof cause.constraint === 'string' ? relation(query, schema, cause.constraint) : null;
    default:
      return null;
  }
}
