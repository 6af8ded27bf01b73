// atlas-migrate in process: load the folder (or the embedded registries) and run, timing the engine's part.
// argv: <engine dist/index.js> <url> <folder | "embedded" | a module of embedded files (workloads.mjs)> [driver-loaded]
// `driver-loaded`: the driver (pg or better-sqlite3) is required before the timing starts, as in a service,
// whose own database pool has loaded it before the service migrates.
import { createRequire } from 'node:module';

if (process.argv[5] === 'driver-loaded') createRequire(process.argv[2])(/^postgres(ql)?:/.test(process.argv[3]) ? 'pg' : 'better-sqlite3');
const started = performance.now();
const engine = await import(process.argv[2]);
const imported = performance.now();
const url = process.argv[3];
const source = process.argv[4];
const t0 = performance.now();
let registry;
if (source === 'embedded') {
  const [{ registry: control }, { registry: tenant }] = await Promise.all([import('@atlasai/control-migrations'), import('@atlasai/tenant-migrations')]);
  registry = engine.defineRegistry({ plane: 'w1', range: { min: 1, max: Number.MAX_SAFE_INTEGER }, migrations: [...control.migrations, ...tenant.migrations] });
} else if (source.endsWith('.mjs')) {
  const { default: files } = await import(source);
  registry = engine.defineRegistryFromFiles({ plane: 'bench', range: { min: 1, max: Number.MAX_SAFE_INTEGER }, files });
} else {
  // The dialect is known from the URL: only its files are read (engines before that option read both).
  registry = await engine.loadRegistryFromDir(source, { plane: 'bench', sqlVariant: /^postgres(ql)?:/.test(url) ? 'postgres' : 'sqlite' });
}
const t1 = performance.now();
const dialect = await engine.createDialect(url, engine.silentLogger);
const report = await engine.runMigrations({ registry, dialect, mode: 'apply', logger: engine.silentLogger });
const t2 = performance.now();
if (!report.ok) {
  console.error(JSON.stringify(report.error));
  process.exit(1);
}
process.stdout.write(JSON.stringify({ importMs: imported - started, loadMs: t1 - t0, runMs: t2 - t1, inProcessMs: t2 - t0, applied: report.applied.length }));
