import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registry } from '@atlasai/tenant-migrations';
import { createPostgresDatabase, createSqliteDatabase, type TestDatabase } from '@atlasai/test-kit';
import { migrate, registryProofs } from '@atlasai/test-kit/registry-proofs';

const TENANT = '8d0c1a52-54f5-4bb4-9a0e-3f3f3b1b8a11';

describe('the tenant registry', () => {
  it('holds exactly the guide’s versions and names', () => {
    expect(registry.plane).toBe('tenant');
    expect(registry.range).toEqual({ min: 2001, max: 2099 });
    expect(registry.migrations.map((m) => `${m.version} ${m.name}`)).toEqual([
      '2001 tenant_org_teams_itsm_governance',
      '2002 add_oes_events_tenant_type_timestamp',
      '2003 add_incidents_tenant_status',
      '2004 add_automation_jobs_columns',
      '2005 add_automation_jobs_tenant_status',
      '2006 add_vault_rotation',
      '2007 add_workflow_source_discriminator',
      '2008 add_ai_feedback',
      '2009 add_autonomous_pipeline',
      '2010 add_webhook_deliveries',
      '2011 add_host_inventory',
      '2012 add_gin_index_log_entries',
      '2013 add_runbook_applicability',
      '2014 add_report_schedules',
      '2015 add_ultimate_platform_tables',
      '2016 tenant_integration_sync_config',
      '2017 universal_automation_framework',
      '2018 create_baseline_snapshots',
    ]);
  });

  it('builds the 2012 GIN index outside a transaction on PostgreSQL only', () => {
    const m2012 = registry.migrations.find((m) => m.version === 2012)!;
    expect(m2012.scripts.postgres.transactional).toBe(false);
    expect(m2012.scripts.postgres.sql).toMatch(/CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_log_entries_message_fts\s+ON log_entries USING gin/);
    expect(m2012.scripts.sqlite.transactional).toBe(true);
    expect(registry.migrations.filter((m) => !m.scripts.postgres.transactional).map((m) => m.version)).toEqual([2012]);
  });
});

// SQLite keeps full-text search in an FTS5 table; these are it and its shadow tables. PostgreSQL has a
// GIN expression index on log_entries instead, so they have no PostgreSQL counterpart.
const SQLITE_FTS_TABLES = ['log_entries_fts', 'log_entries_fts_config', 'log_entries_fts_data', 'log_entries_fts_docsize', 'log_entries_fts_idx'];

registryProofs(registry, { count: 18, sqliteOnlyTables: SQLITE_FTS_TABLES });

describe('tenant-scoped tables and the indexes the names promise', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
    expect((await migrate(registry, db)).ok).toBe(true);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('gives every top-level table a tenant_id and indexes events, incidents and jobs by tenant', async () => {
    for (const table of [
      'organizations',
      'teams',
      'oes_events',
      'incidents',
      'automation_jobs',
      'workflows',
      'log_entries',
      'hosts',
      'webhook_deliveries',
      'report_schedules',
    ]) {
      expect(await db.columns(table), table).toContain('tenant_id');
    }
    const indexes = await db.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
    const def = (name: string) => indexes.find((i) => i.indexname === name)?.indexdef;
    expect(def('idx_oes_events_tenant_type_timestamp')).toMatch(/\(tenant_id, event_type, occurred_at\)/);
    expect(def('idx_incidents_tenant_status')).toMatch(/\(tenant_id, status\)/);
    expect(def('idx_automation_jobs_tenant_status')).toMatch(/\(tenant_id, status\)/);
    expect(def('idx_log_entries_message_fts')).toMatch(/USING gin \(to_tsvector\('english'::regconfig, message\)\)/);
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid`)).toEqual([{ n: 0 }]);
  });

  it('finds log entries by full-text search through the GIN index', async () => {
    await db.query(
      `INSERT INTO log_entries (tenant_id, source, level, message) VALUES ($1, 'kernel', 'error', 'Disk quota exceeded on /var'), ($1, 'app', 'info', 'user logged in')`,
      [TENANT],
    );
    const rows = await db.query<{ message: string }>(
      `SELECT message FROM log_entries WHERE to_tsvector('english', message) @@ plainto_tsquery('english', 'disks')`,
    );
    expect(rows).toEqual([{ message: 'Disk quota exceeded on /var' }]);
  });
});

describe('SQLite full-text search over log_entries', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createSqliteDatabase();
    expect((await migrate(registry, db, 2011)).ok).toBe(true);
  });
  afterEach(async () => {
    await db.drop();
  });

  const search = async (term: string) =>
    (
      await db.query<{ message: string }>(
        `SELECT l.message FROM log_entries_fts f JOIN log_entries l ON l.rowid = f.rowid WHERE log_entries_fts MATCH ? ORDER BY l.message`,
        [term],
      )
    ).map((r) => r.message);

  it('keeps the index in sync on insert, update and delete, and survives 2012 running again', async () => {
    expect((await migrate(registry, db, 2012)).ok).toBe(true);
    await db.query(`INSERT INTO log_entries (tenant_id, source, level, message) VALUES (?, 'kernel', 'error', 'disk quota exceeded')`, [TENANT]);
    await db.query(`INSERT INTO log_entries (tenant_id, source, level, message) VALUES (?, 'app', 'info', 'user logged in')`, [TENANT]);
    expect(await search('disk')).toEqual(['disk quota exceeded']);
    await db.query(`UPDATE log_entries SET message = 'network link down' WHERE source = 'kernel'`);
    expect(await search('disk')).toEqual([]);
    expect(await search('network')).toEqual(['network link down']);
    await db.query(`DELETE FROM log_entries WHERE source = 'app'`);
    expect(await search('logged')).toEqual([]);
    // Running 2012 again (its row deleted) rebuilds the index from the table: no duplicates, no loss.
    await db.query('DELETE FROM schema_migrations WHERE version = 2012');
    expect((await migrate(registry, db)).ok).toBe(true);
    expect(await search('network')).toEqual(['network link down']);
    expect(await search('logged')).toEqual([]);
  });
});
