/**
 * The columns of the engine's history table once it has made or adopted it, sorted: what the tests
 * expect `schema_migrations` to hold, written here once and not read from the engine, so that a change
 * to the engine's table fails them.
 */
export const HISTORY_COLUMNS: readonly string[] = [
  'applied_at',
  'checksum',
  'checksum_algorithm',
  'execution_ms',
  'name',
  'outcome',
  'statements_checksum',
  'version',
];
