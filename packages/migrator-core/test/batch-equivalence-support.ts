import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import ts from 'typescript';
import { expect } from 'vitest';
import { loadRegistryFromDir, type PlaneReport, type Registry } from '@atlasai/migrator-core';
import { adminQuery, createDatabase, migrateFiles, migrationFolder, pgAdminUrl, REPO_ROOT, withDatabase } from '@atlasai/test-kit';

/**
 * What the batch-equivalence files share. Batching is speed, not semantics: every migration folder of the
 * repository (both registries, the bench workloads, and every fixture the tests write as a literal map of
 * files) applied with batches (the default) and with one transaction per migration (`batch: false`, batch
 * size 1) ends in the same catalog, the same history and report outcomes, and the same rows once time and
 * transaction-id values are masked. Only PostgreSQL batches; SQLite always runs one migration per savepoint.
 *
 * The comparisons are independent (each run gets a database of its own), so the files run them
 * concurrently and split them between vitest's workers: the time is spent waiting on the server.
 */

export const ALL_VERSIONS = { min: 1, max: Number.MAX_SAFE_INTEGER };

const SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'";
const CATALOG = `SELECT line FROM (
    SELECT format('%s.%s %s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull) || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS line
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE ${SCHEMAS} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    UNION ALL SELECT format('index %s.%s %s', schemaname, indexname, indexdef) FROM pg_indexes WHERE ${SCHEMAS.replaceAll('n.nspname', 'schemaname')}
    UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(o.oid)) FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace WHERE ${SCHEMAS}
    UNION ALL SELECT format('view %s.%s %s', n.nspname, c.relname, pg_get_viewdef(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${SCHEMAS} AND c.relkind IN ('v', 'm')
    UNION ALL SELECT format('function %s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${SCHEMAS}
    UNION ALL SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM pg_trigger t WHERE NOT t.tgisinternal
    UNION ALL SELECT format('type %s.%s %s', n.nspname, t.typname, t.typtype) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${SCHEMAS} AND t.typtype IN ('e', 'd', 'r')
  ) s ORDER BY line`;
const TABLES = `SELECT format('%I.%I', n.nspname, c.relname) AS t,
         coalesce(string_agg(format('%I', a.attname), ',') FILTER (WHERE a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype, 'time'::regtype, 'timetz'::regtype, 'xid'::regtype, 'xid8'::regtype)), '') AS masked
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
   WHERE ${SCHEMAS} AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'schema_migrations%' GROUP BY 1 ORDER BY 1`;

type Query = <R>(sql: string) => Promise<R[]>;

/** Everything a run leaves that batching must not change, as one comparable value. */
async function outcome(query: Query, report: PlaneReport): Promise<unknown> {
  const catalog = await query<{ line: string }>(CATALOG);
  const tables = await query<{ t: string; masked: string }>(TABLES);
  const data: Record<string, string[]> = {};
  for (const { t, masked } of tables) {
    const mask =
      masked === ''
        ? ''
        : ` - ARRAY[${masked
            .split(',')
            .map((c) => `'${c.replaceAll('"', '')}'`)
            .join(', ')}]`;
    const rows = await query<{ r: string }>(`SELECT (to_jsonb(x)${mask})::text AS r FROM ${t} x ORDER BY 1`);
    data[t] = rows.map((r) => r.r);
  }
  const history = (await query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present"))[0]!.present
    ? await query('SELECT version::text, name, checksum, checksum_algorithm, outcome FROM schema_migrations ORDER BY version')
    : null;
  const { applied, pending, error } = report;
  return {
    catalog: catalog.map((r) => r.line),
    data,
    history,
    applied: applied.map(({ version, outcome: o, skippedStatements }) => ({ version, o, skippedStatements })),
    pending: pending.map((p) => p.version),
    error: error && { code: error.code, version: error.version, statement: error.statement, sqlstate: error.sqlstate, migration: error.migration },
  };
}

/**
 * On PostgreSQL 15 every DROP DATABASE waits for a forced checkpoint, seconds on a busy server, while a
 * new database costs a few milliseconds: the comparisons leave their databases to a few background
 * lanes (concurrent drops share one checkpoint) and `dropsFinished` (the file's afterAll) waits for them.
 */
const DROP_LANES = 8;
const toDrop: string[] = [];
const dropFailures: unknown[] = [];
const lanes: Promise<void>[] = [];
let activeLanes = 0;

function dropLater(name: string): void {
  toDrop.push(name);
  if (activeLanes >= DROP_LANES) return;
  activeLanes++;
  lanes.push(
    (async () => {
      try {
        for (let next = toDrop.shift(); next !== undefined; next = toDrop.shift()) {
          await adminQuery(`DROP DATABASE IF EXISTS ${next} WITH (FORCE)`).catch((error: unknown) => dropFailures.push(error));
        }
      } finally {
        activeLanes--;
      }
    })(),
  );
}

/** Waits until every database the comparisons made is dropped; throws the first drop that failed. */
export async function dropsFinished(): Promise<void> {
  await Promise.all(lanes);
  if (dropFailures.length > 0) throw new Error('dropping a test database failed', { cause: dropFailures[0] });
}

/** A new empty database, `registry` applied to it, and its outcome; the database is dropped in the background. */
async function applyWith(registry: Registry, batch: boolean): Promise<unknown> {
  const name = `atlas_test_${randomBytes(6).toString('hex')}`;
  await createDatabase(name);
  try {
    const url = withDatabase(pgAdminUrl(), name);
    const report = await migrateFiles(url, registry, { batch });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await outcome(async <R>(sql: string) => (await client.query(sql)).rows as R[], report);
    } finally {
      await client.end();
    }
  } finally {
    dropLater(name);
  }
}

/** Applies `registry` to two new databases at once, one transaction per migration and batched, and compares. */
export async function expectSameBothWays(registry: Registry, where?: string): Promise<void> {
  const [single, batched] = await Promise.all([applyWith(registry, false), applyWith(registry, true)]);
  if (where === undefined) expect(single).toEqual(batched);
  else expect({ where, outcome: single }).toEqual({ where, outcome: batched });
}

/** Runs `work` over `items`, at most `limit` at a time; every item runs even if one fails, and the first failure is thrown. */
export async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The literal fixtures are split between batch-equivalence-fixtures-<k>.test.ts, k = 0 … FIXTURE_SHARDS - 1. */
export const FIXTURE_SHARDS = 2;

/**
 * The fixtures whose tests stop a run mid-statement (an abort, a deadline) hold it in `pg_sleep(30)` or
 * `pg_sleep(60)`: a sleep returns nothing and changes nothing, so here it sleeps 0 s. The statement stays
 * where it was (same statement numbers, same batches), and the comparison no longer waits a minute.
 */
function withoutWaits(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [name, text.replace(/pg_sleep\(\s*[\d.]+\s*\)/gi, 'pg_sleep(0)')]));
}

export interface LiteralFixture {
  readonly where: string;
  readonly registry: Registry;
}

/**
 * Every object literal of the repository's test files whose keys are all migration file names and whose
 * values are all literal text, loaded as a registry; folders that do not load (malformed names, duplicate
 * versions) are refused before any batching, so they have nothing to compare and are left out. In source
 * order, so that a shard of the list is the same in every run.
 */
export async function literalFixtures(): Promise<{ found: number; loadable: LiteralFixture[] }> {
  const listed = execFileSync('git', ['ls-files', '*.ts'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
  const testFiles = listed.filter((f) => /(^|\/)test\//.test(f) && !/(^|\/)batch-equivalence[^/]*\.ts$/.test(f)).sort();
  const found: { where: string; files: Record<string, string> }[] = [];
  for (const file of testFiles) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    // A file without a migration file name in it has no fixture: skip parsing it.
    if (!/\d_.*\.sql/.test(text)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node) && node.properties.length > 0) {
        const entries = node.properties.map((p) =>
          ts.isPropertyAssignment(p) &&
          (ts.isStringLiteral(p.name) || ts.isNoSubstitutionTemplateLiteral(p.name)) &&
          /^\d+_.*\.sql$/.test(p.name.text) &&
          (ts.isStringLiteral(p.initializer) || ts.isNoSubstitutionTemplateLiteral(p.initializer))
            ? ([p.name.text, p.initializer.text] as const)
            : null,
        );
        if (entries.every((e) => e !== null)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push({ where: `${file}:${line + 1}`, files: Object.fromEntries(entries) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const loadable: LiteralFixture[] = [];
  for (const { where, files } of found) {
    const registry = await loadRegistryFromDir(migrationFolder(withoutWaits(files)), { plane: 'fixture', range: ALL_VERSIONS, sqlVariant: 'postgres' }).catch(
      () => null,
    );
    if (registry && registry.migrations.length > 0) loadable.push({ where, registry });
  }
  return { found: found.length, loadable };
}
