import { basename } from 'node:path';
import type { SqlVariant } from './migration-types.js';

const ADVICE: Readonly<Record<SqlVariant, { title: string; advice: string }>> = {
  postgres: {
    title: 'PostgreSQL',
    advice:
      '-- Additive and idempotent: CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, CREATE INDEX IF NOT EXISTS;\n-- no DROP, RENAME or ALTER ' +
      'COLUMN … TYPE (docs/migration-rules.md). No BEGIN/COMMIT: the engine runs it in a transaction.',
  },
  sqlite: {
    title: 'SQLite',
    advice:
      '-- Additive and idempotent: CREATE TABLE IF NOT EXISTS, CREATE INDEX IF NOT EXISTS, one ALTER TABLE … ADD COLUMN\n-- per statement (SQLite has ' +
      'no ADD COLUMN IF NOT EXISTS; the engine skips exactly that one if it exists).',
  },
};

/** The text `atlas-migrate new` (and `npm run migrate:new`) writes into a new migration file: comments only. */
export function newMigrationText(version: number, name: string, dialect: SqlVariant): string {
  const { title, advice } = ADVICE[dialect];
  return `-- ${version} ${name} (${title})\n-- What this migration adds, and why.\n${advice}\n`;
}

/**
 * True when a migration file's text is still exactly what `new` wrote for its name (line endings and
 * trailing blank space aside): it does nothing, and once applied its checksum would be frozen, so the
 * real change would need a new version. Any other comment-only file is left alone.
 */
export function isUntouchedTemplate(file: string, sql: string): boolean {
  const match = /^(\d+)_([a-z0-9_]+)\.(postgres|sqlite)\.sql$/.exec(basename(file));
  if (!match) return false;
  const template = newMigrationText(Number(match[1]), match[2]!, match[3] as SqlVariant);
  return sql.replace(/\r\n/g, '\n').trimEnd() === template.trimEnd();
}
