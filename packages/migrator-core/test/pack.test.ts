import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createSqliteDatabase, REPO_ROOT, run, type RunResult, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

/**
 * The three packages as a user gets them: `pnpm pack`ed (as `pnpm publish` would), installed from
 * the tarballs into a folder outside the workspace, and run there against real databases. Assumes
 * `pnpm build` ran (the test command builds first): the tarballs ship `dist/` only.
 */

// The repo's own pnpm (devDependency), never a global one.
const PNPM = join(REPO_ROOT, 'node_modules', '.bin', 'pnpm');
// Should pnpm's side-effects cache not hold better-sqlite3's compiled addon, it compiles from source
// against this Node's headers, with node-gyp, which pnpm 12 runs from PATH but does not ship: take
// the one bundled with this Node's npm ("node-gyp: not found", exit 127, without it).
const NODE_GYP_BIN = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'node-gyp-bin');
const BUILD_ENV = {
  npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr',
  PATH: [...(existsSync(NODE_GYP_BIN) ? [NODE_GYP_BIN] : []), process.env.PATH ?? ''].join(delimiter),
};

const PACKAGES = ['migrator-core', 'control-migrations', 'tenant-migrations'] as const;
type PackageDir = (typeof PACKAGES)[number];

const EXPECTED_COUNTS = { control: 7, tenant: 18 } as const;

function packageDir(name: PackageDir): string {
  return join(REPO_ROOT, 'packages', name);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function ok(result: RunResult, what: string): RunResult {
  expect(result.code, `${what} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

/** Distinct migration versions in a package's sql/ folder: what the build should have embedded. */
function sqlVersions(name: PackageDir): number[] {
  const versions = readdirSync(join(packageDir(name), 'sql'))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => Number(/^(\d+)_/.exec(f)?.[1]));
  return [...new Set(versions)].sort((a, b) => a - b);
}

/** Run in the consumer folder: imports the installed packages by name and applies both registries. */
const CONSUMER_SCRIPT = `
import { createDialect, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { registry as control } from '@atlasai/control-migrations';
import { registry as tenant } from '@atlasai/tenant-migrations';

const [controlPostgres, tenantPostgres, controlSqlite, tenantSqlite] = process.argv.slice(2);

async function apply(registry, url) {
  const report = await runMigrations({ registry, dialect: await createDialect(url, silentLogger), mode: 'apply', logger: silentLogger });
  return { plane: report.plane, ok: report.ok, applied: report.applied.map((m) => m.version), error: report.error };
}

const describeRegistry = (r) => ({ plane: r.plane, count: r.migrations.length, versions: r.migrations.map((m) => m.version) });

const summary = {
  resolved: {
    core: import.meta.resolve('@atlasai/migrator-core'),
    control: import.meta.resolve('@atlasai/control-migrations'),
    tenant: import.meta.resolve('@atlasai/tenant-migrations'),
  },
  registries: { control: describeRegistry(control), tenant: describeRegistry(tenant) },
  runs: {
    controlPostgres: await apply(control, controlPostgres),
    tenantPostgres: await apply(tenant, tenantPostgres),
    controlSqlite: await apply(control, controlSqlite),
    tenantSqlite: await apply(tenant, tenantSqlite),
  },
};
console.log(JSON.stringify(summary));
`;

interface RunSummary {
  plane: string;
  ok: boolean;
  applied: number[];
  error: unknown;
}

interface RegistrySummary {
  plane: string;
  count: number;
  versions: number[];
}

interface Summary {
  resolved: { core: string; control: string; tenant: string };
  registries: { control: RegistrySummary; tenant: RegistrySummary };
  runs: { controlPostgres: RunSummary; tenantPostgres: RunSummary; controlSqlite: RunSummary; tenantSqlite: RunSummary };
}

interface PackedManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

describe('packed packages', () => {
  const tempDirs: string[] = [];
  const databases: TestDatabase[] = [];
  const tarballs = {} as Record<PackageDir, string>;
  let packDir: string;

  function tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
  }

  beforeAll(async () => {
    packDir = tempDir('atlas-pack-');
    for (const name of PACKAGES) {
      const result = ok(await run(PNPM, ['pack', '--json', '--pack-destination', packDir], { cwd: packageDir(name) }), `pnpm pack in packages/${name}`);
      const filename = (JSON.parse(result.stdout) as { filename: string }).filename;
      tarballs[name] = isAbsolute(filename) ? filename : join(packDir, filename);
      expect(existsSync(tarballs[name]), tarballs[name]).toBe(true);
    }
  });

  afterAll(async () => {
    for (const db of databases) await db.drop().catch(() => undefined);
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('packs dist/ only, with workspace: ranges replaced by the real version', async () => {
    const coreVersion = readJson<{ version: string }>(join(packageDir('migrator-core'), 'package.json')).version;
    for (const name of PACKAGES) {
      const listing = ok(await run('tar', ['-tzf', tarballs[name]]), `tar -tzf ${tarballs[name]}`)
        .stdout.split('\n')
        .filter(Boolean);
      expect(
        listing.every((entry) => entry.startsWith('package/')),
        listing.join('\n'),
      ).toBe(true);
      expect(listing).toContain('package/package.json');
      expect(listing).toContain('package/dist/index.js');
      expect(listing).toContain('package/dist/index.d.ts');
      expect(listing.filter((entry) => /^package\/(src|sql|test|node_modules)\//.test(entry))).toEqual([]);

      const manifestText = ok(await run('tar', ['-xzOf', tarballs[name], 'package/package.json']), 'tar -xzOf package.json').stdout;
      expect(manifestText).not.toContain('workspace:');
      const manifest = JSON.parse(manifestText) as PackedManifest;
      expect(manifest.name).toBe(`@atlasai/${name}`);
      if (name === 'migrator-core') {
        expect(listing).toContain('package/bin/atlas-migrate.cjs');
        expect(listing).toContain('package/dist/cli.js');
      } else {
        expect(manifest.dependencies?.['@atlasai/migrator-core']).toBe(coreVersion);
      }
    }
  });

  it('installs the tarballs outside the workspace and applies both registries to PostgreSQL and SQLite', { timeout: 240_000 }, async () => {
    const consumer = tempDir('atlas-pack-consumer-');
    expect(relative(REPO_ROOT, consumer).startsWith('..'), `${consumer} must lie outside ${REPO_ROOT}`).toBe(true);

    // Install with the repo's pnpm against the repo's store. Measured on the 2-core dev machine:
    //   pnpm add --prefer-offline (this): 0.2-0.4 s. Every dependency is linked from the store (no
    //     connect() call under strace) and better-sqlite3's compiled addon comes from pnpm's
    //     side-effects cache, filled by the repo's own install: no recompile. Were that cache cold,
    //     it compiles: 82 s (hence the 240 s timeout).
    //   npm install <tarballs>: 93 s with a cold npm cache, 85 s with a warm one. npm's allowScripts
    //     warning aside, better-sqlite3's prebuild-install fails to reach GitHub and it compiles.
    // pnpm 12 fails the install (ERR_PNPM_IGNORED_BUILDS) unless the build is approved, hence
    // allowBuilds. The registry packages depend on @atlasai/migrator-core@<version>, which is in no
    // registry: the override points that dependency at the core tarball.
    const store = ok(await run(PNPM, ['store', 'path'], { cwd: REPO_ROOT }), 'pnpm store path').stdout.trim();
    writeFileSync(join(consumer, 'package.json'), `${JSON.stringify({ name: 'atlas-pack-consumer', private: true, type: 'module' }, null, 2)}\n`);
    writeFileSync(
      join(consumer, 'pnpm-workspace.yaml'),
      ['allowBuilds:', '  better-sqlite3: true', 'overrides:', `  '@atlasai/migrator-core': ${JSON.stringify(`file:${tarballs['migrator-core']}`)}`, ''].join(
        '\n',
      ),
    );
    // The drivers are optional peer dependencies of the engine: a consumer installs the ones it uses.
    ok(
      await run(PNPM, ['add', '--prefer-offline', '--store-dir', store, ...PACKAGES.map((name) => tarballs[name]), 'pg@8.23.1', 'better-sqlite3@12.11.1'], {
        cwd: consumer,
        env: BUILD_ENV,
      }),
      'pnpm add <tarballs>',
    );
    // CommonJS consumers get the same API through require().
    const required = ok(
      await run(
        process.execPath,
        [
          '-e',
          "const core = require('@atlasai/migrator-core'); const cli = require('@atlasai/migrator-core/cli'); console.log([typeof core.runMigrations, typeof core.createDialect, typeof cli.main].join(' '))",
        ],
        { cwd: consumer },
      ),
      'require()',
    );
    expect(required.stdout.trim()).toBe('function function function');

    const script = join(consumer, 'apply.mjs');
    writeFileSync(script, CONSUMER_SCRIPT);
    const controlPg = await createPostgresDatabase();
    databases.push(controlPg);
    const tenantPg = await createPostgresDatabase();
    databases.push(tenantPg);
    const controlLite = await createSqliteDatabase();
    databases.push(controlLite);
    const tenantLite = await createSqliteDatabase();
    databases.push(tenantLite);

    const result = ok(
      await run(process.execPath, [script, controlPg.url, tenantPg.url, controlLite.url, tenantLite.url], { cwd: consumer }),
      'the consumer script',
    );
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as Summary;

    // The packages came from the consumer's node_modules, not from the workspace.
    for (const url of Object.values(summary.resolved)) {
      const file = fileURLToPath(url);
      expect(relative(consumer, file).startsWith('..'), file).toBe(false);
      expect(file).toContain(`${join('node_modules', '.pnpm')}`);
    }

    // The registries hold every migration of their sql/ folders, embedded at build time.
    const { control, tenant } = summary.registries;
    expect([control.plane, control.count, tenant.plane, tenant.count]).toEqual(['control', EXPECTED_COUNTS.control, 'tenant', EXPECTED_COUNTS.tenant]);
    expect(control.versions).toEqual(sqlVersions('control-migrations'));
    expect(tenant.versions).toEqual(sqlVersions('tenant-migrations'));

    const { runs } = summary;
    for (const [key, report] of Object.entries(runs)) {
      expect(report.error, `${key}: ${JSON.stringify(report.error)}`).toBeNull();
      expect(report.ok, key).toBe(true);
    }
    expect(runs.controlPostgres.applied).toEqual(control.versions);
    expect(runs.controlSqlite.applied).toEqual(control.versions);
    expect(runs.tenantPostgres.applied).toEqual(tenant.versions);
    expect(runs.tenantSqlite.applied).toEqual(tenant.versions);

    // A PostgreSQL-only consumer needs no better-sqlite3 (nor its native build); asking for SQLite says what to install.
    // It installs the lowest pg the peer range allows, so that the range's low end is a tested version.
    const peers = readJson<{ peerDependencies: Record<string, string> }>(join(packageDir('migrator-core'), 'package.json')).peerDependencies;
    const lowestPg = /^\^(\d+\.\d+\.\d+)$/.exec(peers.pg!)?.[1];
    expect(lowestPg, `pg's peer range ${peers.pg} is a caret range`).toBeDefined();
    const pgOnly = tempDir('atlas-pack-pg-only-');
    writeFileSync(join(pgOnly, 'package.json'), `${JSON.stringify({ name: 'atlas-pg-only', private: true, type: 'module' }, null, 2)}\n`);
    ok(
      await run(PNPM, ['add', '--store-dir', store, tarballs['migrator-core'], `pg@${lowestPg}`], { cwd: pgOnly, env: BUILD_ENV }),
      'pnpm add core + the lowest pg',
    );
    expect(readJson<{ version: string }>(join(pgOnly, 'node_modules', 'pg', 'package.json')).version).toBe(lowestPg);
    expect(existsSync(join(pgOnly, 'node_modules', 'better-sqlite3'))).toBe(false);
    mkdirSync(join(pgOnly, 'sql'));
    // Plain <version>_<name>.sql files: a .postgres.sql without its .sqlite.sql partner is refused (folder format).
    writeFileSync(join(pgOnly, 'sql', '0001_first.sql'), 'CREATE TABLE pg_only_first (id int PRIMARY KEY);\n');
    writeFileSync(join(pgOnly, 'sql', '0002_second.sql'), 'CREATE TABLE pg_only_second (id int REFERENCES pg_only_first (id));\n');
    const probe = `import { createDialect, loadRegistryFromDir, runMigrations, silentLogger } from '@atlasai/migrator-core';
const pgDialect = await createDialect(process.argv[2], silentLogger);
const session = await pgDialect.connect({ applicationName: 'pg-only', readOnly: true, lockTimeoutMs: 1000 });
await session.close();
// A run on that pg: the transaction status after each statement decides what committed.
const registry = await loadRegistryFromDir('sql', { plane: 'pg-only' });
const report = await runMigrations({ registry, dialect: await createDialect(process.argv[3], silentLogger), mode: 'apply', logger: silentLogger });
if (!report.ok || report.applied.length !== 2) throw new Error(JSON.stringify(report.error));
const sqlite = await createDialect('sqlite:never.db', silentLogger).then(() => 'loaded', (e) => e.code + ': ' + e.message);
console.log(JSON.stringify({ postgres: 'connected', sqlite }));`;
    writeFileSync(join(pgOnly, 'probe.mjs'), probe);
    const pgOnlyDb = await createPostgresDatabase();
    databases.push(pgOnlyDb);
    const probed = ok(await run(process.execPath, ['probe.mjs', controlPg.url, pgOnlyDb.url], { cwd: pgOnly }), 'the PostgreSQL-only consumer');
    expect(await pgOnlyDb.tableExists('pg_only_second')).toBe(true);
    expect(JSON.parse(probed.stdout.trim())).toEqual({
      postgres: 'connected',
      sqlite: `CONFIG_INVALID: SQLite needs the better-sqlite3 package, an optional peer dependency of @atlasai/migrator-core that is not installed: npm install 'better-sqlite3@${peers['better-sqlite3']}'`,
    });

    // What the databases hold, read directly.
    expect(existsSync(sqlitePath(controlLite))).toBe(true);
    expect(existsSync(sqlitePath(tenantLite))).toBe(true);
    const checks = [
      { db: controlPg, versions: control.versions, has: 'billing_invoices', lacks: 'log_entries' },
      { db: controlLite, versions: control.versions, has: 'billing_invoices', lacks: 'log_entries' },
      { db: tenantPg, versions: tenant.versions, has: 'log_entries', lacks: 'billing_invoices' },
      { db: tenantLite, versions: tenant.versions, has: 'log_entries', lacks: 'billing_invoices' },
    ];
    for (const { db, versions, has, lacks } of checks) {
      expect(await db.tableExists(has), `${db.dialect}: ${has}`).toBe(true);
      expect(await db.tableExists(lacks), `${db.dialect}: ${lacks}`).toBe(false);
      const rows = await db.query<{ version: number | string; outcome: string }>('SELECT version, outcome FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => [Number(r.version), r.outcome])).toEqual(versions.map((v) => [v, 'applied']));
    }
  });
});
