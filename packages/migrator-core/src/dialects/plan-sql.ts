import { CHECKSUM_ALGORITHM } from '../migration.js';
import type { PlaneReport, PlannedMigration } from '../report.js';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

function historyInsert(table: string, m: PlannedMigration): string {
  return (
    `INSERT INTO ${table} (version, name, checksum, checksum_algorithm, execution_ms, outcome) VALUES (${m.version}, ${literal(m.name)}, ` +
    `${literal(m.checksum)}, ${literal(CHECKSUM_ALGORITHM)}, <duration>, 'applied');`
  );
}

/**
 * `plan --sql`: the statements a run would send and its history writes, in order, replayed migration by
 * migration, and its first line says so. PostgreSQL: shown as one transaction per migration (none for a
 * no-transaction file, whose row is written after its last statement), while `up` may apply several
 * transactional migrations in one transaction (batches). SQLite: one write transaction for the run, a
 * savepoint per migration, as `up` runs them. `up`'s history rows carry more columns than shown here.
 */
export function renderPlanSql(report: PlaneReport, historyTable: string): string[] {
  const planned = report.planned ?? [];
  if (planned.length === 0) return [];
  const tag = `[${report.plane.toUpperCase()}]`;
  const sqlite = planned[0]!.sqlVariant === 'sqlite';
  const batches = sqlite ? '' : ', and may apply several migrations in one transaction (batches)';
  const lines: string[] = [`-- ${tag} per-migration replay, not the exact wire: up sends these statements and history rows in this order${batches}`];
  if (sqlite) lines.push(`-- ${tag} one write transaction for the run`, 'BEGIN IMMEDIATE;');
  for (const m of planned) {
    lines.push('', `-- ${tag} ${m.version} ${m.name} (${m.file})${m.transactional ? '' : ': no transaction, each statement commits on its own'}`);
    if (m.transactional) lines.push(sqlite ? 'SAVEPOINT atlas_migration;' : 'BEGIN;');
    for (const statement of m.statements) lines.push(`${statement};`);
    lines.push(historyInsert(historyTable, m));
    if (m.transactional) lines.push(sqlite ? 'RELEASE SAVEPOINT atlas_migration;' : 'COMMIT;');
  }
  if (sqlite) lines.push('', 'COMMIT;');
  return lines;
}
