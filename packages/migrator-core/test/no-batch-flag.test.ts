import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, createPostgresDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

/** `up --no-batch`: the documented way to give every migration its own transaction (and its own now()). */
describe('atlas-migrate up --no-batch (PostgreSQL)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const files: Record<string, string> = {};
  for (let v = 1; v <= 12; v++)
    files[`${String(v).padStart(4, '0')}_m${v}.sql`] = `CREATE TABLE t_${v} (id int, at timestamptz DEFAULT now());\nINSERT INTO t_${v} DEFAULT VALUES;\n`;

  async function transactions(): Promise<{ history: number; seeded: number }> {
    const [history] = await db.query<{ n: string }>('SELECT count(DISTINCT xmin::text) AS n FROM schema_migrations');
    const union = Array.from({ length: 12 }, (_, i) => `SELECT at FROM t_${i + 1}`).join(' UNION ALL ');
    const [seeded] = await db.query<{ n: string }>(`SELECT count(DISTINCT at) AS n FROM (${union}) s`);
    return { history: Number(history!.n), seeded: Number(seeded!.n) };
  }

  it('runs each migration in its own transaction: 12 transactions, 12 distinct now() values', async () => {
    const result = await cli(['up', '--no-batch', '--dir', migrationFolder(files), '--url', db.url]);
    expect(result.code).toBe(0);
    expect(await transactions()).toEqual({ history: 12, seeded: 12 });
  });

  it('batches by default: fewer transactions than migrations, now() shared within a batch', async () => {
    const result = await cli(['up', '--dir', migrationFolder(files), '--url', db.url]);
    expect(result.code).toBe(0);
    const counted = await transactions();
    expect(counted.history).toBeLessThan(12);
    expect(counted.seeded).toBe(counted.history);
  });
});
