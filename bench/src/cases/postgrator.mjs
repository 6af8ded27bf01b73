// postgrator through its API, as its README shows: one pg client, execQuery.
import pg from 'pg';
import Postgrator from 'postgrator';

const [url, dir] = process.argv.slice(2);
const client = new pg.Client({ connectionString: url });
await client.connect();
const postgrator = new Postgrator({
  migrationPattern: `${dir}/*`,
  driver: 'pg',
  database: new URL(url).pathname.slice(1),
  schemaTable: 'schemaversion',
  execQuery: (query) => client.query(query),
});
await postgrator.migrate();
await client.end();
