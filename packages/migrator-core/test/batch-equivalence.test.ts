import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadRegistryFromDir, type PlaneReport, type Registry } from '@atlasai/migrator-core';
import { createPostgresDatabase, migrateFiles, migrationFolder, REPO_ROOT, type TestDatabase } from '@atlasai/test-kit';

/**
 * Batching is speed, not semantics: every migration folder of the repository (both registries, the bench
 * workloads, and every fixture the tests write as a literal map of files) applied with batches (the
 * default) and with one transaction per migration (`batch: false`, batch size 1) ends in the same
 * catalog, the same history and report outcomes, and the same rows once time and transaction-id values
 * are masked. Only PostgreSQL batches; SQLite always runs one migration per savepoint.
 */

const ALL_VERSIONS = { min: 1, max: Number.MAX_SAFE_INTEGER };

/** Everything a run leaves that batching must not change, as one comparable value. */
async function outcome(db: TestDatabase, report: PlaneReport): Promise<unknown> {
  const schemas = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'";
  const catalog = await db.query<{ line: string }>(
    `SELECT line FROM (
       SELECT format('%s.%s %s %s %s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull) || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS line
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE ${schemas} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       UNION ALL SELECT format('index %s.%s %s', schemaname, indexname, indexdef) FROM pg_indexes WHERE ${schemas.replaceAll('n.nspname', 'schemaname')}
       UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(o.oid)) FROM pg_constraint o JOIN pg_namespace n ON n.oid = o.connamespace WHERE ${schemas}
       UNION ALL SELECT format('view %s.%s %s', n.nspname, c.relname, pg_get_viewdef(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${schemas} AND c.relkind IN ('v', 'm')
       UNION ALL SELECT format('function %s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${schemas}
       UNION ALL SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM pg_trigger t WHERE NOT t.tgisinternal
       UNION ALL SELECT format('type %s.%s %s', n.nspname, t.typname, t.typtype) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${schemas} AND t.typtype IN ('e', 'd', 'r')
     ) s ORDER BY line`,
  );
  const tables = await db.query<{ t: string; masked: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS t,
            coalesce(string_agg(format('%I', a.attname), ',') FILTER (WHERE a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype, 'time'::regtype, 'timetz'::regtype, 'xid'::regtype, 'xid8'::regtype)), '') AS masked
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
      WHERE ${schemas} AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE 'schema_migrations%' GROUP BY 1 ORDER BY 1`,
  );
  const data: Record<string, string[]> = {};
  for (const { t, masked } of tables) {
    const mask = masked === '' ? '' : ` - ARRAY[${masked.split(',').map((c) => `'${c.replaceAll('"', '')}'`).join(', ')}]`;
    const rows = await db.query<{ r: string }>(`SELECT (to_jsonb(x)${mask})::text AS r FROM ${t} x ORDER BY 1`);
    data[t] = rows.map((r) => r.r);
  }
  const history = (await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present"))[0]!.present
    ? await db.query('SELECT version::text, name, checksum, checksum_algorithm, outcome FROM schema_migrations ORDER BY version')
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

async function applyWith(registry: Registry, batch: boolean): Promise<unknown> {
  const db = await createPostgresDatabase();
  try {
    const report = await migrateFiles(db.url, registry, { batch });
    return await outcome(db, report);
  } finally {
    await db.drop();
  }
}

async function expectSameBothWays(registry: Registry): Promise<void> {
  expect(await applyWith(registry, false)).toEqual(await applyWith(registry, true));
}

/** Every object literal of the repository's test files whose keys are all migration file names and whose values are all literal text. */
function literalFixtures(): { where: string; files: Record<string, string> }[] {
  const listed = execFileSync('git', ['ls-files', '*.ts'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
  const testFiles = listed.filter((f) => /(^|\/)test\//.test(f) && !f.endsWith('batch-equivalence.test.ts'));
  const found: { where: string; files: Record<string, string> }[] = [];
  for (const file of testFiles) {
    const source = ts.createSourceFile(file, readFileSync(join(REPO_ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node) && node.properties.length > 0) {
        const entries = node.properties.map((p) =>
          ts.isPropertyAssignment(p) && (ts.isStringLiteral(p.name) || ts.isNoSubstitutionTemplateLiteral(p.name)) && /^\d+_.*\.sql$/.test(p.name.text) && (ts.isStringLiteral(p.initializer) || ts.isNoSubstitutionTemplateLiteral(p.initializer))
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
  return found;
}

describe('PostgreSQL: batches of one and batches as they grow end in the same database', () => {
  it.each(['control-migrations', 'tenant-migrations'])('the %s registry', async (pkg) => {
    const registry = await loadRegistryFromDir(join(REPO_ROOT, 'packages', pkg, 'sql'), { plane: 'registry', range: ALL_VERSIONS, sqlVariant: 'postgres' });
    expect(registry.migrations.length).toBeGreaterThan(5);
    await expectSameBothWays(registry);
  }, 120_000);

  it('the bench workloads (W1, W2 1,000, W3 1 MB)', async () => {
    type Workloads = Record<string, { root: string; count: number }>;
    const { prepareWorkloads } = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'src', 'workloads.mjs')).href)) as { prepareWorkloads: (dir: string, options: { quick: boolean; big: boolean }) => Promise<Workloads> };
    const workloads = await prepareWorkloads(join(tmpdir(), `atlas-equivalence-${process.pid}`), { quick: true, big: false });
    expect(Object.keys(workloads).sort()).toEqual(['w1', 'w2_1000', 'w3_1']);
    for (const [name, w] of Object.entries(workloads)) {
      const registry = await loadRegistryFromDir(join(w.root, 'atlas'), { plane: name.replace('_', '-'), range: ALL_VERSIONS, sqlVariant: 'postgres' });
      expect(registry.migrations).toHaveLength(w.count);
      await expectSameBothWays(registry);
    }
  }, 300_000);

  it("every literal migration folder in the repository's tests", async () => {
    const fixtures = literalFixtures();
    expect(fixtures.length).toBeGreaterThan(30);
    let compared = 0;
    for (const { where, files } of fixtures) {
      // Folders that do not load (malformed names, duplicate versions) are refused before any batching.
      const registry = await loadRegistryFromDir(migrationFolder(files), { plane: 'fixture', range: ALL_VERSIONS, sqlVariant: 'postgres' }).catch(() => null);
      if (!registry || registry.migrations.length === 0) continue;
      expect({ where, outcome: await applyWith(registry, false) }).toEqual({ where, outcome: await applyWith(registry, true) });
      compared++;
    }
    expect(compared).toBeGreaterThan(25);
  }, 600_000);
});
