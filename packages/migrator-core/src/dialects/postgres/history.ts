import type pg from 'pg';
import { historyFromRows, type History } from '../../dialect.js';

/** The PostgreSQL `schema_migrations`: its columns beyond an older runner's, its DDL, and how its rows read. */

export const HISTORY_COLUMNS: Record<string, string> = {
  checksum: 'text',
  checksum_algorithm: 'text',
  execution_ms: 'integer',
  outcome: "text NOT NULL DEFAULT 'applied'",
  statements_checksum: 'text',
};

export const createHistory = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  version bigint PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  checksum text,
  checksum_algorithm text,
  execution_ms integer,
  outcome text NOT NULL DEFAULT 'applied',
  statements_checksum text
)`;

/** pg's type id of `integer`: a history made with it cannot hold timestamp versions. */
const INT4_OID = 23;

export function readHistoryResult(result: pg.QueryResult): History {
  const version = result.fields.find((f) => f.name === 'version');
  return historyFromRows(new Set(result.fields.map((f) => f.name)), result.rows, Object.keys(HISTORY_COLUMNS), version?.dataTypeID === INT4_OID);
}
