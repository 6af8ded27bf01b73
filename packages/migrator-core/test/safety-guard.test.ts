import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '@atlasai/test-kit';
import { BackendGuard, GUARD_SQLSTATE } from '../src/dialects/postgres/guard.js';
import { migrationLockKey, migrationLockName } from '../src/dialects/postgres/index.js';

/**
 * The backend guard of a session behind a proxy (guard.ts). A direct connection
 * plays the proxied session; a guard made for another pid is what a message sees when a transaction
 * pooler handed it to another backend.
 */

describe('the backend guard', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let pid: number;
  beforeEach(async () => {
    db = await createPostgresDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  });
  afterEach(async () => {
    await client.end();
    await db.drop();
  });

  const guardFor = (backend: number) => new BackendGuard(backend, migrationLockName('public'), 'postgresql://proxy/db');
  const stamp = "set_config('application_name', 'stamped', false)";
  const lock = async (guard: BackendGuard) =>
    (await client.query<{ here: boolean; mine: boolean; locked: boolean | null }>(guard.lockStatement(stamp))).rows[0]!;
  // This database's advisory locks only: other tests hold theirs on the same server.
  const locksHeld = async () =>
    (
      await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      )
    )[0]!.n;
  const rejected = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as pg.DatabaseError | undefined;
    expect(error?.code).toBe(GUARD_SQLSTATE);
    return error!.message;
  };

  it('takes the lock only on its own backend, and only if that backend does not hold it already', async () => {
    expect(await lock(guardFor(pid + 1))).toEqual({ here: false, mine: false, locked: null, stamped: null });
    expect(await locksHeld()).toBe(0);
    expect(await lock(guardFor(pid))).toEqual({ here: true, mine: false, locked: true, stamped: 'stamped' });
    expect(await locksHeld()).toBe(1);
    // A second request on a backend that already holds it: another client of the same pooled server connection took it.
    expect(await lock(guardFor(pid))).toEqual({ here: true, mine: true, locked: null, stamped: null });
    expect(await locksHeld()).toBe(1);
  });

  it('a message that reached another backend fails before any of it runs, simple or parameterised', async () => {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey('public').toString()]);
    const elsewhere = guardFor(pid + 1);
    expect(await rejected(elsewhere.send(client, 'CREATE TABLE g1 (id int)', undefined))).toBe(
      `atlas-migrate: this message reached backend ${pid}, not the session's backend ${pid + 1}`,
    );
    expect(await rejected(elsewhere.send(client, 'BEGIN; CREATE TABLE g2 (id int)', undefined))).toContain('this message reached backend');
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query('CREATE TABLE g3 (id int)');
    await rejected(elsewhere.send(client, 'INSERT INTO g3 VALUES ($1)', [1]));
    await rejected(elsewhere.send(client, 'CREATE INDEX CONCURRENTLY g3_id ON g3 (id)', undefined, 'alone'));
    expect(await db.tableExists('g1')).toBe(false);
    expect(await db.tableExists('g2')).toBe(false);
    expect(await db.query('SELECT * FROM g3')).toEqual([]);
    expect(await db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'g3'")).toEqual([]);
  });

  it('on its own backend, holding the lock, it runs everything as if sent alone: results, positions, CONCURRENTLY', async () => {
    const guard = guardFor(pid);
    expect(await rejected(guard.send(client, 'SELECT 1', undefined))).toBe(`atlas-migrate: backend ${pid} no longer holds the migration lock`);
    expect((await lock(guard)).locked).toBe(true);
    expect((await guard.send<{ one: number }>(client, 'SELECT 1 AS one', undefined)).rows).toEqual([{ one: 1 }]);
    expect((await guard.send<{ v: number }>(client, 'SELECT $1::int AS v', [7])).rows).toEqual([{ v: 7 }]);
    await guard.send(client, 'CREATE TABLE g4 (id int)', undefined, 'statement');
    // Refused in a message with the check (25001), so sent again alone, checked before and after.
    await guard.send(client, 'CREATE INDEX CONCURRENTLY g4_id ON g4 (id)', undefined, 'statement');
    expect(await db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'g4'")).toEqual([{ indexname: 'g4_id' }]);
    const error = (await guard.send(client, 'SELECT 1 FROM g4 WHERE idd = 1', undefined).catch((e: unknown) => e)) as pg.DatabaseError;
    const alone = (await client.query('SELECT 1 FROM g4 WHERE idd = 1').catch((e: unknown) => e)) as pg.DatabaseError;
    expect([error.code, error.position]).toEqual(['42703', '24']);
    expect(alone.position).toBe('24');
    expect(await guard.release(client)).toBe('released');
    expect(await locksHeld()).toBe(0);
    expect(await guard.release(client)).toBe('not-held');
  });

  it('a release that reaches another backend ends the idle backend that holds the lock, so no lock stays in a pool', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    holder.on('error', () => undefined);
    await holder.connect();
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    expect((await holder.query(guardFor(holderPid).lockStatement(stamp))).rows[0]).toMatchObject({ locked: true });
    // The session now reaches `client`'s backend, not the holder's.
    expect(await guardFor(holderPid).release(client)).toBe('terminated');
    await expect.poll(locksHeld).toBe(0);
    expect(await db.query('SELECT pid FROM pg_stat_activity WHERE pid = $1', [holderPid])).toEqual([]);
    await holder.end().catch(() => undefined);
  });

  it('a holder in the middle of a transaction is never ended: the release gives up after 5 s and the lock stays', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    expect((await holder.query(guardFor(holderPid).lockStatement(stamp))).rows[0]).toMatchObject({ locked: true });
    await holder.query('BEGIN; SELECT 1');
    expect(await guardFor(holderPid).release(client)).toBe('unreachable');
    expect(await locksHeld()).toBe(1);
    await holder.query('ROLLBACK');
    await holder.end();
  });
});
