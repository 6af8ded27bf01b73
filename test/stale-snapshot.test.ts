import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDialect, generateSnapshot, loadRegistryFromDir, redactUrl, renderSnapshot, silentLogger } from '@atlasai/migrator-core';
import { cli as inProcess, DIALECTS, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

/**
 * `atlas-migrate verify` with a snapshot made from fewer (or other) migrations than the folder holds:
 * its own finding with the way out, exit 2, never "[OK]" and never the new table as "not in the registry".
 */
const FIRST = { '1_widgets.sql': 'CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL);\n' };
const SECOND = { '2_gadgets.sql': 'CREATE TABLE gadgets (id integer PRIMARY KEY);\n' };
const REGENERATE = 'generateSnapshot() over the registry, on an empty database of each dialect';

describe.each(DIALECTS)('a stale snapshot on $name', ({ name: dialect, create }) => {
  let dir: string;
  let db: TestDatabase;
  let scratch: TestDatabase[];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atlas-stale-snapshot-'));
    mkdirSync(join(dir, 'sql'));
    mkdirSync(join(dir, 'schema'));
    db = await create();
    scratch = [];
  });
  afterEach(async () => {
    await Promise.all([db, ...scratch].map((d) => d.drop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, 'sql', file), text);
  };
  /** The folder's snapshot as the folder is now, made on an empty database of the dialect. */
  const snapshotNow = async () => {
    const empty = await create();
    scratch.push(empty);
    const registry = await loadRegistryFromDir(join(dir, 'sql'), { plane: 'app' });
    const snapshot = await generateSnapshot({ registry, dialect: await createDialect(empty.url, silentLogger), logger: silentLogger });
    writeFileSync(join(dir, 'schema', `${dialect}.snapshot`), renderSnapshot(snapshot));
  };
  const cli = (command: string) => inProcess([command, '--dir', join(dir, 'sql'), '--label', 'app', '--url', db.url]);
  const target = () => (db.dialect === 'postgres' ? redactUrl(db.url) : sqlitePath(db));

  it('a migration added after the snapshot: the snapshot is named stale with its regeneration, exit 2; regenerated, verify is clean', async () => {
    write(FIRST);
    await snapshotNow();
    write(SECOND);
    expect((await cli('up')).code).toBe(0);
    const stale = await cli('verify');
    expect(stale.stdout).toBe(
      [
        '=== AtlasAI Schema Verification ===',
        `[APP] ${target()}`,
        `[APP] Error: CONFIG_INVALID: The app registry's ${dialect} schema snapshot is older than the registry: it was made from migrations through 1; the registry now runs through 2. The database was not compared with it. Regenerate it: ${REGENERATE}`,
        '[FAIL] Schema drift or verification failure in APP.',
        '',
      ].join('\n'),
    );
    expect(stale.code).toBe(2);
    expect(stale.stdout).not.toContain('not in the registry');
    const json = JSON.parse((await inProcess(['verify', '--dir', join(dir, 'sql'), '--label', 'app', '--url', db.url, '--json'])).stdout) as {
      ok: boolean;
      planes: { staleSnapshot: unknown }[];
    };
    expect(json.ok).toBe(false);
    expect(json.planes[0]!.staleSnapshot).toEqual({ snapshotThrough: 1, registryThrough: 2 });

    await snapshotNow();
    const fresh = await cli('verify');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('[OK] The schema matches the registry.');
  });

  it('a migration file changed after the snapshot, same last version: stale too', async () => {
    write({ ...FIRST, ...SECOND });
    await snapshotNow();
    write({ '2_gadgets.sql': 'CREATE TABLE gadgets (id integer PRIMARY KEY, label text);\n' });
    expect((await cli('up')).code).toBe(0);
    const stale = await cli('verify');
    expect(stale.code).toBe(2);
    expect(stale.stdout).toContain(
      `[APP] Error: CONFIG_INVALID: The app registry's ${dialect} schema snapshot is older than the registry: it was made from migrations through 2 as they were, and a migration file has changed since. The database was not compared with it. Regenerate it: ${REGENERATE}\n`,
    );
    expect(stale.stdout).not.toContain('[OK]');
  });
});
