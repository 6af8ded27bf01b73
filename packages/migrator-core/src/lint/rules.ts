import type { SqlVariant } from '../migration-types.js';

/** How bad a finding is: an error breaks the guide's contract, a warning is legal but worth knowing. */
export type LintSeverity = 'error' | 'warning';

/** A rule of the additive-only contract, with what it costs and what to do instead. */
export interface LintRule {
  readonly id: string;
  readonly severity: LintSeverity;
  readonly dialects: readonly SqlVariant[];
  /** Why a statement that breaks it breaks the contract (the guide: idempotent, additive only, forward-only). */
  readonly why: string;
  /** What to write instead. */
  readonly alternative: string;
  /** False for findings an allowance cannot let through (unparseable SQL, broken allowances). */
  readonly allowable: boolean;
}

const BOTH: readonly SqlVariant[] = ['postgres', 'sqlite'];
const PG: readonly SqlVariant[] = ['postgres'];

const MAJOR_RELEASE = 'drop it only in a major release, with advance notice and an `-- atlas:allow` comment';

function rule(id: string, severity: LintSeverity, dialects: readonly SqlVariant[], why: string, alternative: string, allowable = true): LintRule {
  return Object.freeze({ id, severity, dialects, why, alternative, allowable });
}

/** Every rule, in the order docs/migration-rules.md lists them. */
export const LINT_RULES: readonly LintRule[] = Object.freeze([
  rule(
    'drop-table',
    'error',
    BOTH,
    'dropping a table deletes its data and breaks every deployed version that still reads it (additive only)',
    `stop using the table and leave it in place; ${MAJOR_RELEASE}`,
  ),
  rule(
    'drop-column',
    'error',
    BOTH,
    'dropping a column deletes its data and breaks older code that still selects it (forward-only: old code must keep working)',
    `stop writing the column and leave it in place; ${MAJOR_RELEASE}`,
  ),
  rule(
    'drop-constraint',
    'error',
    PG,
    'dropping a constraint that an earlier migration created removes a guarantee other code relies on',
    `add a new, wider constraint under a new name; ${MAJOR_RELEASE}`,
  ),
  rule(
    'drop-index',
    'error',
    BOTH,
    'dropping an index that an earlier migration created can make deployed queries slow or break uniqueness they rely on',
    `keep the index; ${MAJOR_RELEASE}`,
  ),
  rule(
    'drop-object',
    'error',
    BOTH,
    'dropping a type, view, schema, function, sequence, trigger or extension that an earlier migration created breaks code that uses it',
    `leave the object in place and add a new one beside it; ${MAJOR_RELEASE}`,
  ),
  rule(
    'truncate',
    'error',
    PG,
    'TRUNCATE deletes every row of a table; a migration must never remove data',
    'delete the rows the application no longer needs with a bounded DELETE … WHERE, or leave them',
  ),
  rule(
    'rename-table',
    'error',
    BOTH,
    'renaming a table breaks every deployed version that still uses the old name (rolling back the code does not undo it)',
    'create the new table, write to both, backfill, and move readers over; drop the old one only in a major release',
  ),
  rule(
    'rename-column',
    'error',
    BOTH,
    'renaming a column breaks every deployed version that still uses the old name',
    'add a new column and backfill it; keep the old one, and drop it only in a major release, with an allowance',
  ),
  rule(
    'alter-column-type',
    'error',
    PG,
    'changing a column type rewrites the table under an exclusive lock and can break older code that reads the column',
    'add a new column of the new type, backfill it and move readers over; drop the old one only in a major release',
  ),
  rule(
    'set-not-null',
    'error',
    PG,
    'SET NOT NULL on an existing column fails the moment older code inserts a NULL, and scans the table under an exclusive lock',
    'add a CHECK (column IS NOT NULL) NOT VALID constraint, VALIDATE it in a later migration, and keep writers filling the column',
  ),
  rule(
    'not-null-without-default',
    'error',
    BOTH,
    'ADD COLUMN … NOT NULL without a DEFAULT fails on a table with rows, and older code that inserts rows without the column fails too',
    'give the column a constant DEFAULT, or add it nullable and backfill',
  ),
  rule(
    'update-without-where',
    'error',
    BOTH,
    'an UPDATE without WHERE rewrites every row, which is rarely what a schema migration means and cannot be undone',
    'add a WHERE clause that names the rows to change (WHERE TRUE if every row is really meant, with an allowance)',
  ),
  rule(
    'delete-without-where',
    'error',
    BOTH,
    'a DELETE without WHERE removes every row of the table; a migration must never remove data',
    'add a WHERE clause that names the rows to delete, or leave the data',
  ),
  rule(
    'non-idempotent-create',
    'error',
    BOTH,
    'without IF NOT EXISTS (or OR REPLACE) the statement fails when the object is already there, so the migration cannot be run twice (idempotent)',
    'write CREATE … IF NOT EXISTS, CREATE OR REPLACE, or ADD VALUE IF NOT EXISTS',
  ),
  rule(
    'non-idempotent-add-column',
    'error',
    PG,
    'ADD COLUMN without IF NOT EXISTS fails when the column is already there, so the migration cannot be run twice',
    'write ALTER TABLE … ADD COLUMN IF NOT EXISTS',
  ),
  rule(
    'unguarded-add-constraint',
    'error',
    PG,
    'ADD CONSTRAINT has no IF NOT EXISTS: outside an existence check it fails when the constraint is already there',
    "wrap it in DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '…' AND conrelid = '…'::regclass) THEN … END IF; END $$",
  ),
  rule(
    'unguarded-create',
    'error',
    PG,
    'CREATE TYPE, DOMAIN, POLICY or TRIGGER (without OR REPLACE) has no IF NOT EXISTS: outside an existence check it fails when the object is already there',
    'use CREATE OR REPLACE TRIGGER, or wrap the statement in a DO block that checks pg_type / pg_policy first (or catches duplicate_object)',
  ),
  rule(
    'concurrently-in-transaction',
    'error',
    PG,
    'CONCURRENTLY cannot run inside a transaction block, and every migration runs in one unless it is marked',
    'make `-- atlas:no-transaction` the first line of the file, and keep every statement of that file idempotent on its own',
  ),
  rule(
    'no-transaction-not-idempotent',
    'error',
    PG,
    'a `-- atlas:no-transaction` migration can be interrupted half-way and is then run again from the top, so each statement must be idempotent on its own',
    'move the statement to a transactional migration, or make it idempotent (IF NOT EXISTS, ON CONFLICT DO NOTHING, an existence guard)',
  ),
  rule(
    'table-rebuild',
    'error',
    ['sqlite'],
    'the SQLite table-rebuild pattern (create new, copy, drop old, rename) drops the old table and with it anything older code still relies on',
    'add columns with ALTER TABLE … ADD COLUMN instead; rebuild a table only in a major release, with an allowance',
  ),
  rule(
    'blocking-create-index',
    'warning',
    PG,
    'a plain CREATE INDEX on an existing table blocks its writes for the whole build',
    'build it with CREATE INDEX CONCURRENTLY IF NOT EXISTS in a `-- atlas:no-transaction` migration',
  ),
  rule(
    'volatile-default',
    'warning',
    PG,
    'a new column with a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial or a stored generated column) rewrites the whole ' +
      'table under an exclusive lock',
    'add the column without the default (or with a constant one), set the default afterwards, and backfill in batches',
  ),
  rule(
    'constraint-without-not-valid',
    'warning',
    PG,
    'adding a FOREIGN KEY or CHECK to an existing table without NOT VALID scans the whole table while holding a lock that blocks writes',
    'add it NOT VALID, then VALIDATE CONSTRAINT in a later migration',
  ),
  rule(
    'foreign-key-without-index',
    'warning',
    PG,
    'a new foreign-key column without an index makes every delete or key update on the referenced table scan this one',
    'create an index whose leading column is the foreign-key column, in the same migration',
  ),
  rule(
    'dynamic-sql',
    'warning',
    PG,
    'EXECUTE of a computed string cannot be checked by the linter',
    'write the statement directly, or EXECUTE a constant string the linter can read',
  ),
  rule(
    'untouched-template',
    'error',
    BOTH,
    'the file is still exactly what `atlas-migrate new` wrote: it does nothing, yet once applied it is recorded and its checksum frozen, so the ' +
      'change it was made for would need another version',
    'write the migration in it, or delete the new pair of files',
    false,
  ),
  rule('syntax-error', 'error', BOTH, 'the file does not parse, so it cannot be checked (and would fail to run)', 'fix the syntax', false),
  rule(
    'allowance-without-reason',
    'error',
    BOTH,
    'an `-- atlas:allow` comment must name a rule and give the reason the removal is acceptable',
    'write `-- atlas:allow <rule-id> <reason>` on the line before the statement',
    false,
  ),
  rule(
    'useless-allowance',
    'error',
    BOTH,
    'an `-- atlas:allow` comment that lets nothing through hides intent and would silently allow a later change',
    'remove it, or put it on the line directly before the statement it is meant for',
    false,
  ),
]);

/** The rules that hold a CREATE (or ADD) to running twice: findings that already say "not idempotent". */
export const IDEMPOTENT_CREATE_RULES: ReadonlySet<string> = new Set([
  'non-idempotent-create',
  'non-idempotent-add-column',
  'unguarded-add-constraint',
  'unguarded-create',
]);

/** Every rule that holds a migration to running twice: a promise only an idempotent registry makes. */
export const IDEMPOTENCY_RULES: ReadonlySet<string> = new Set([...IDEMPOTENT_CREATE_RULES, 'no-transaction-not-idempotent']);

const BY_ID = new Map(LINT_RULES.map((r) => [r.id, r]));

/** The rule with this id; throws on an id that is not in the catalogue (a bug in a linter). */
export function ruleById(id: string): LintRule {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`unknown lint rule ${id}`);
  return found;
}

export function isRuleId(id: string): boolean {
  return BY_ID.has(id);
}
