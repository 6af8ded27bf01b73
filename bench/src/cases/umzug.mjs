// umzug through its API: each file's SQL in one query, a small history table as its storage.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { Umzug } from 'umzug';

const [url, dir] = process.argv.slice(2);
const client = new pg.Client({ connectionString: url });
await client.connect();
const storage = {
  async executed() {
    await client.query('CREATE TABLE IF NOT EXISTS umzug_meta (name text PRIMARY KEY)');
    return (await client.query('SELECT name FROM umzug_meta ORDER BY name')).rows.map((r) => r.name);
  },
  async logMigration({ name }) {
    await client.query('INSERT INTO umzug_meta (name) VALUES ($1)', [name]);
  },
  async unlogMigration({ name }) {
    await client.query('DELETE FROM umzug_meta WHERE name = $1', [name]);
  },
};
const umzug = new Umzug({
  migrations: { glob: `${dir}/*.sql`, resolve: ({ name, path }) => ({ name, up: async () => client.query(readFileSync(path, 'utf8')) }) },
  storage,
  logger: undefined,
});
await umzug.up();
await client.end();
