#!/usr/bin/env node
/**
 * The fleet bench's reference: a bare loop over tenant databases at a plain concurrency, one process, the
 * engine's API and nothing else. `node fleet-bare.mjs <apply|dry-run|verify> <urls.json> <concurrency>`.
 * apply and dry-run: runMigrations with the tenant registry; verify: verifySchema (history and drift).
 * Prints one JSON line: tenants, failures (with the engine's error), the in-process time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const started = performance.now();
const REPO = new URL('../../../', import.meta.url).pathname;
const { createDialect, runMigrations, verifySchema, silentLogger } = await import(join(REPO, 'packages', 'migrator-core', 'dist', 'index.js'));
const { registry } = await import(join(REPO, 'packages', 'tenant-migrations', 'dist', 'index.js'));

const [mode, file, concurrency = '8'] = process.argv.slice(2);
const urls = JSON.parse(readFileSync(file, 'utf8'));
const failures = [];
let next = 0;

async function one(url) {
  const dialect = await createDialect(url, silentLogger, { connectWaitMs: 0 });
  if (mode === 'verify') {
    const v = await verifySchema({ registry, dialect });
    if (v.error) failures.push({ url: url.replace(/.*\//, ''), code: v.error.code, message: v.error.message });
    return;
  }
  const report = await runMigrations({ registry, dialect, mode, logger: silentLogger });
  if (report.error) failures.push({ url: url.replace(/.*\//, ''), code: report.error.code, message: report.error.message });
}

await Promise.all(
  Array.from({ length: Math.min(Number(concurrency), urls.length) }, async () => {
    while (next < urls.length) await one(urls[next++]);
  }),
);
process.stdout.write(`${JSON.stringify({ tenants: urls.length, failures, inProcessMs: performance.now() - started })}\n`);
