import type pg from 'pg';
import { historyFromRows, type AuditRecord, type History, type HistoryRecord } from '../../dialect.js';

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

/** The insert of a history row. The clock, not now(): rows written in one transaction (baseline's, a batch's) each get their own time. */
export function recordSql(table: string, row: HistoryRecord): { text: string; values: unknown[] } {
  return {
    text:
      `INSERT INTO ${table} (version, name, checksum, checksum_algorithm, execution_ms, outcome, statements_checksum, applied_at) VALUES ($1, $2, ` +
      `$3, $4, $5, $6, $7, clock_timestamp())`,
    values: [row.version, row.name, row.checksum, row.checksumAlgorithm, row.executionMs, row.outcome, row.statementsChecksum],
  };
}

/** Re-records a version's checksums: $1 version, $2 checksum, $3 its algorithm, $4 the statements checksum. */
export const updateChecksumSql = (table: string) => `UPDATE ${table} SET checksum = $2, checksum_algorithm = $3, statements_checksum = $4 WHERE version = $1`;

/** `schema_migrations_audit`, created on first use, and the insert of one record. */
export function auditSql(table: string, record: AuditRecord): { create: string; insert: string; values: unknown[] } {
  return {
    create: `CREATE TABLE IF NOT EXISTS ${table} (
      id bigserial PRIMARY KEY, version bigint NOT NULL, action text NOT NULL, old_checksum text, new_checksum text NOT NULL,
      reason text NOT NULL, performed_by text NOT NULL DEFAULT current_user, performed_at timestamptz NOT NULL DEFAULT now())`,
    insert: `INSERT INTO ${table} (version, action, old_checksum, new_checksum, reason) VALUES ($1, $2, $3, $4, $5)`,
    values: [record.version, record.action, record.oldChecksum, record.newChecksum, record.reason],
  };
}
