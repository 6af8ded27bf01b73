#!/usr/bin/env node
// pnpm schema:snapshot: regenerates packages/<registry>/schema/{postgres,sqlite}.snapshot by applying each
// registry one migration at a time to throwaway databases (PostgreSQL through the test harness's server
// discovery, SQLite in a temporary file). Run after adding a migration; commit the snapshots with it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { controlPlane, tenantPlane } from '@atlasai/planes';
import { createDialect, generateSnapshot, loadRegistryFromDir, renderSnapshot, silentLogger } from '@atlasai/migrator-core';
import { findPostgres } from './postgres-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const registries = [
  { registry: controlPlane.registry, dir: join(root, 'packages/control-migrations/schema') },
  { registry: tenantPlane.registry, dir: join(root, 'packages/tenant-migrations/schema') },
  // The fleet's state: PostgreSQL only, in the `fleet` schema of the Control Plane database.
  {
    registry: await loadRegistryFromDir(join(root, 'packages/fleet/sql'), { plane: 'fleet', range: { min: 3001, max: 3099 } }),
    dir: join(root, 'packages/fleet/schema'),
    schema: 'fleet',
    postgresOnly: true,
  },
];

function withDatabase(adminUrl, database) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onThrowawayPostgres(adminUrl, fn) {
  const name = `atlas_snapshot_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      return await fn(withDatabase(adminUrl, name));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

async function onThrowawaySqlite(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-snapshot-'));
  try {
    return await fn(`sqlite:${join(dir, 'snapshot.db')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function write(registry, dir, url, schema) {
  const snapshot = await generateSnapshot({ registry, dialect: await createDialect(url, silentLogger, schema ? { schema } : {}), logger: silentLogger });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${snapshot.dialect}.snapshot`);
  writeFileSync(file, renderSnapshot(snapshot));
  process.stdout.write(`wrote ${file.slice(root.length)} (${snapshot.objects.length} objects)\n`);
}

const server = await findPostgres();
try {
  for (const { registry, dir, schema, postgresOnly } of registries) {
    await onThrowawayPostgres(server.url, (url) => write(registry, dir, url, schema));
    if (!postgresOnly) await onThrowawaySqlite((url) => write(registry, dir, url));
  }
} catch (error) {
  process.stderr.write(`schema:snapshot failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await server.stop();
}
