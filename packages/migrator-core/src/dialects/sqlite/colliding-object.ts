import type Database from 'better-sqlite3';
import type { NamedObject, Statement, StatementError } from '../../dialect.js';
import { sqliteCreatedObject } from './script.js';

/**
 * Which existing object of the file a failed statement ran into, read from SQLite's own words and
 * confirmed in sqlite_schema, named as the snapshot names it. SQLite compares names without regard to
 * ASCII case; the catalog's spelling is the one returned.
 */

const NAMED = [
  /^(?:table|index|view|trigger) (.+) already exists$/,
  /^there is already (?:a table|an index) named (.+)$/,
  /^there is already another table or index with this name: (.+)$/,
];

function byName(db: Database.Database, name: string): NamedObject | null {
  const row = db.prepare('SELECT type, name, tbl_name FROM sqlite_schema WHERE lower(name) = lower(?)').get(name) as
    | { type: string; name: string; tbl_name: string }
    | undefined;
  if (!row) return null;
  switch (row.type) {
    case 'table':
      return { kind: 'table', name: row.name };
    case 'view':
      return { kind: 'view', name: row.name };
    // A constraint's own index (sqlite_autoindex_…) is its table's UNIQUE or PRIMARY KEY: nothing to name.
    case 'index':
      return row.name.startsWith('sqlite_autoindex_') ? null : { kind: 'index', name: `${row.tbl_name}.${row.name}` };
    case 'trigger':
      return { kind: 'trigger', name: `${row.tbl_name}.${row.name}` };
    default:
      return null;
  }
}

/** See `SessionCapabilities.collidingObject`. */
export function sqliteCollidingObject(db: Database.Database, error: StatementError, statement: Statement | undefined): NamedObject | null {
  const said = error.message;
  for (const pattern of NAMED) {
    const m = pattern.exec(said);
    if (m) return byName(db, m[1]!);
  }
  // `duplicate column name: x` does not say of which table: the statement does, when it adds one column.
  const column = /^duplicate column name: (.+)$/.exec(said);
  const adds = statement ? sqliteCreatedObject(statement.text) : null;
  if (!column || adds?.kind !== 'column' || adds.name.toLowerCase() !== column[1]!.toLowerCase()) return null;
  const table = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND lower(name) = lower(?)").pluck().get(adds.table) as string | undefined;
  if (table === undefined) return null;
  const name = db.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE lower(name) = lower(?)').pluck().get(table, adds.name) as string | undefined;
  return name === undefined ? null : { kind: 'column', name: `${table}.${name}` };
}
