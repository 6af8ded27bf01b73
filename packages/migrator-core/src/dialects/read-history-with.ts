// Reading a plane's history through a connection the caller already holds (a service's pool or handle),
// instead of a session of the engine: what a frequently polled health check needs.
export { readPostgresHistoryWith, type PostgresQuery } from './postgres/read-history-with.js';
export { readSqliteHistoryWith, type SqliteHandle } from './sqlite/read-history-with.js';
export { statusFromHistory } from '../status.js';
