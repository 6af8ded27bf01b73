/** The SQLite `schema_migrations`: its columns beyond an older runner's `version, name, applied_at`, and its DDL. */

export const HISTORY_COLUMNS: Record<string, string> = {
  checksum: 'TEXT',
  checksum_algorithm: 'TEXT',
  execution_ms: 'INTEGER',
  outcome: "TEXT NOT NULL DEFAULT 'applied'",
  statements_checksum: 'TEXT',
};

export const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00', 'now')),
  checksum TEXT,
  checksum_algorithm TEXT,
  execution_ms INTEGER,
  outcome TEXT NOT NULL DEFAULT 'applied',
  statements_checksum TEXT
)`;

export const INSERT_HISTORY_ROW =
  'INSERT INTO schema_migrations (version, name, checksum, checksum_algorithm, execution_ms, outcome, statements_checksum) VALUES (?, ?, ?, ?, ?, ?, ?)';

export const UPDATE_CHECKSUMS = 'UPDATE schema_migrations SET checksum = ?, checksum_algorithm = ?, statements_checksum = ? WHERE version = ?';
