import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationFolder, run } from '@atlasai/test-kit';

const CORE = join(import.meta.dirname, '..');

/**
 * The engine as installed without its optional `pg` peer: a copy of the built package in a folder of its
 * own, with every dependency it resolves at run time linked beside it except `pg`. A command line over two
 * planes (as packages/planes builds one) runs a PostgreSQL plane first, then a SQLite one.
 */
describe('a plane whose driver is not installed', () => {
  let root: string;
  let script: string;
  let dir: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'atlas-no-pg-'));
    const installed = join(root, 'node_modules', '@atlasai', 'migrator-core');
    mkdirSync(installed, { recursive: true });
    for (const part of ['package.json', 'dist', 'bin']) cpSync(join(CORE, part), join(installed, part), { recursive: true });
    for (const dependency of ['commander', 'libpg-query', 'pg-connection-string', 'pino', 'better-sqlite3']) {
      symlinkSync(join(CORE, 'node_modules', dependency), join(root, 'node_modules', dependency));
    }
    dir = migrationFolder({ '1_widgets.sql': 'CREATE TABLE widgets (id integer PRIMARY KEY);\n' });
    script = join(root, 'two-planes.mjs');
    writeFileSync(
      script,
      `import { loadRegistryFromDir } from '@atlasai/migrator-core';
import { EXIT, createProgram, defineUp, processIo, runProgram } from '@atlasai/migrator-core/cli';
const [dir, ...argv] = process.argv.slice(2);
const planes = [['first', 'postgresql://atlas@127.0.0.1:1/atlas'], ['second', 'sqlite:' + dir + '/second.db']];
const targets = {
  addOptions: (command) => command,
  resolve: async () => Promise.all(planes.map(async ([plane, url]) => ({ registry: await loadRegistryFromDir(dir, { plane }), url }))),
};
const io = processIo();
const context = { io, targets, exitCode: EXIT.ok };
process.exitCode = await runProgram(defineUp(createProgram('two-planes', io, true), context, 'shown'), context, argv);
`,
    );
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const hint =
    /^\[FIRST\] Error: CONFIG_INVALID: PostgreSQL needs the pg package, an optional peer dependency of @atlasai\/migrator-core that is not installed: npm install 'pg@[^']+'$/;

  it('is reported failed, the next plane still runs, the footer is printed and the exit code is 2', async () => {
    const result = await run(process.execPath, [script, dir], { cwd: root });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[3]).toMatch(hint);
    expect([result.code, ...lines.slice(0, 3), ...lines.slice(4)]).toEqual([
      2,
      '=== AtlasAI Versioned Migration Runner ===',
      'Mode: APPLY',
      '[FIRST] Connecting to database...',
      '[FIRST] Nothing was changed.',
      '[SECOND] Connecting to database...',
      '[SECOND] Connected.',
      '[SECOND] Applied 1 migration(s): 1',
      '[SECOND] All migrations completed successfully.',
      '[FAIL] Migration run failed for FIRST.',
    ]);
  });

  it('--json prints one document with both planes; --status reads the next plane too', async () => {
    const json = await run(process.execPath, [script, dir, '--json', '--dry-run'], { cwd: root });
    expect(json.code).toBe(2);
    const document = JSON.parse(json.stdout);
    expect(document).toMatchObject({
      ok: false,
      mode: 'dry-run',
      planes: [
        { plane: 'first', ok: false, applied: [], error: { code: 'CONFIG_INVALID' } },
        { plane: 'second', ok: true, error: null },
      ],
    });
    expect(document.planes[0].error.message).toContain('PostgreSQL needs the pg package');

    const status = await run(process.execPath, [script, dir, '--status', '--json'], { cwd: root });
    expect(status.code).toBe(2);
    expect(JSON.parse(status.stdout)).toMatchObject({
      ok: false,
      upToDate: false,
      planes: [
        { plane: 'first', ok: false, entries: [], error: { code: 'CONFIG_INVALID' } },
        { plane: 'second', ok: true, entries: [{ version: 1, state: 'applied' }] },
      ],
    });
  });
});
