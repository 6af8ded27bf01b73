import { createPostgresDatabase } from './postgres.js';
import { createSqliteDatabase } from './sqlite.js';

/** Both dialects, for `describe.each`: each creates a new empty database the test drops. */
export const DIALECTS = [
  { name: 'postgres', create: () => createPostgresDatabase() },
  { name: 'sqlite', create: createSqliteDatabase },
] as const;
