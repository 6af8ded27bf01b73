// One copy of the port finder, shared with the harness's own PostgreSQL discovery (plain JavaScript there,
// so that `pnpm schema:snapshot` runs it with node alone).
export { findPostgres, freePort } from '../../../scripts/postgres-server.mjs';
