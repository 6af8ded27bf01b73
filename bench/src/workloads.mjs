import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The workloads, written once per run into a scratch folder in every tool's own format: atlas-migrate's
 * `<v>_<name>.<dialect>.sql` pairs, one concatenated file for psql and SQLite's one `exec`, postgrator's
 * `<v>.do.<name>.sql`, node-pg-migrate's `-- Up Migration` files, knex's CommonJS modules (the SQL inlined,
 * as knex users write them) and plain files for umzug.
 */

const REPO = new URL('../../', import.meta.url).pathname;
const { embedSqlPlugin } = await import(join(REPO, 'packages', 'migrator-core', 'dist', 'embed-sql.js'));

/**
 * The atlas folder as a registry built by tsup embeds it (`embedSqlPlugin`, run here without esbuild):
 * every file with its checksum precomputed, so loading it reads and hashes nothing.
 */
async function writeEmbedded(root) {
  let loading;
  embedSqlPlugin(join(root, 'atlas')).setup({
    onResolve() {},
    onLoad(_options, load) {
      loading = load();
    },
  });
  const { contents } = await loading;
  const path = join(root, 'atlas-embedded.mjs');
  writeFileSync(path, contents);
  return path;
}

/**
 * psql -1 and the peers run a file inside one transaction (or one multi-statement query, which is one),
 * where CREATE INDEX CONCURRENTLY cannot run: they get the same index built plainly, which ends in the same
 * schema. atlas-migrate runs the real file (its `-- atlas:no-transaction` migration outside a transaction).
 */
const inTransaction = (sql) => sql.replace(/CREATE INDEX CONCURRENTLY/gi, 'CREATE INDEX');

function writeFormats(root, input) {
  // migrations: [{ version, name, postgres, sqlite }]
  const migrations = input.map((m) => ({ ...m, postgres: inTransaction(m.postgres) }));
  const dirs = ['atlas', 'postgrator', 'npm', 'knex', 'umzug'].map((d) => join(root, d));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const pad = (v) => String(v).padStart(6, '0');
  const pgAll = [];
  const sqliteAll = [];
  for (const m of migrations) {
    const stem = `${pad(m.version)}_${m.name}`;
    if (m.files) for (const [name, from] of m.files) copyFileSync(from, join(root, 'atlas', name));
    else {
      writeFileSync(join(root, 'atlas', `${stem}.postgres.sql`), m.postgres);
      writeFileSync(join(root, 'atlas', `${stem}.sqlite.sql`), m.sqlite);
    }
    writeFileSync(join(root, 'postgrator', `${pad(m.version)}.do.${m.name}.sql`), m.postgres);
    writeFileSync(join(root, 'npm', `${stem}.sql`), `-- Up Migration\n${m.postgres}\n-- Down Migration\n`);
    writeFileSync(
      join(root, 'knex', `${stem}.cjs`),
      `const sql = ${JSON.stringify(m.postgres)};\n// knex.raw reads every ? as a binding placeholder: escaped, or CHECK (url ~ '^https?://') silently changes.\nexports.up = (knex) => knex.raw(sql.replaceAll('?', '\\\\?'));\nexports.down = async () => {};\n`,
    );
    writeFileSync(join(root, 'umzug', `${stem}.sql`), m.postgres);
    pgAll.push(m.postgres.trimEnd().endsWith(';') ? m.postgres : `${m.postgres}\n;`);
    sqliteAll.push(m.sqlite.trimEnd().endsWith(';') ? m.sqlite : `${m.sqlite}\n;`);
  }
  writeFileSync(join(root, 'all.postgres.sql'), pgAll.join('\n'));
  writeFileSync(join(root, 'all.sqlite.sql'), sqliteAll.join('\n'));
  return { root, count: migrations.length };
}

/** W1: the 25 real migrations of both registries, as one plane. */
function w1(root) {
  const migrations = [];
  for (const pkg of ['control-migrations', 'tenant-migrations']) {
    const dir = join(REPO, 'packages', pkg, 'sql');
    const names = readdirSync(dir)
      .filter((n) => n.endsWith('.postgres.sql'))
      .sort();
    for (const name of names) {
      const [, version, stem] = /^(\d+)_(.+)\.postgres\.sql$/.exec(name);
      const sqliteName = name.replace('.postgres.sql', '.sqlite.sql');
      migrations.push({
        version: Number(version),
        name: stem,
        postgres: readFileSync(join(dir, name), 'utf8'),
        sqlite: readFileSync(join(dir, sqliteName), 'utf8'),
        files: [
          [name, join(dir, name)],
          [sqliteName, join(dir, sqliteName)],
        ],
      });
    }
  }
  return writeFormats(root, migrations);
}

/** W2: n trivial migrations, a table every other one and a column on it in between. */
async function w2(root, n) {
  const migrations = [];
  for (let i = 1; i <= n; i++) {
    const table = i % 2 === 1 ? i : i - 1;
    const postgres = i % 2 === 1 ? `CREATE TABLE IF NOT EXISTS t_${i}(id int);\n` : `ALTER TABLE t_${table} ADD COLUMN IF NOT EXISTS c_${i} int;\n`;
    const sqlite = i % 2 === 1 ? `CREATE TABLE IF NOT EXISTS t_${i}(id int);\n` : `ALTER TABLE t_${table} ADD COLUMN c_${i} int;\n`;
    migrations.push({ version: i, name: `m_${i}`, postgres, sqlite });
  }
  const written = writeFormats(root, migrations);
  return { ...written, embedded: await writeEmbedded(root) };
}

/** W3: one migration of about `mb` MB: a table and multi-row INSERTs of 50 rows each (about 5 KB a statement). */
function w3(root, mb) {
  const target = mb * 1024 * 1024;
  const parts = ['CREATE TABLE big (id bigint PRIMARY KEY, label text NOT NULL, amount numeric(12,2));\n'];
  let size = parts[0].length;
  let id = 0;
  while (size < target) {
    const rows = [];
    for (let r = 0; r < 50; r++) {
      id++;
      rows.push(`(${id}, 'row ${id} — ünïcode label with; a semicolon and ''quotes''', ${(id % 100000) / 100})`);
    }
    const statement = `INSERT INTO big (id, label, amount) VALUES\n  ${rows.join(',\n  ')};\n`;
    parts.push(statement);
    size += Buffer.byteLength(statement);
  }
  const sql = parts.join('');
  return { ...writeFormats(root, [{ version: 1, name: `big_${mb}mb`, postgres: sql, sqlite: sql }]), bytes: Buffer.byteLength(sql), rows: id };
}

export async function prepareWorkloads(scratch, { quick, big }) {
  rmSync(scratch, { recursive: true, force: true });
  const out = {};
  out.w1 = w1(join(scratch, 'w1'));
  out.w2_1000 = await w2(join(scratch, 'w2-1000'), 1000);
  if (!quick) out.w2_5000 = await w2(join(scratch, 'w2-5000'), 5000);
  out.w3_1 = w3(join(scratch, 'w3-1'), 1);
  if (!quick) out.w3_5 = w3(join(scratch, 'w3-5'), 5);
  if (big) out.w3_50 = w3(join(scratch, 'w3-50'), 50);
  return out;
}
