// The node floor: Node's boot, importing pg, connecting, SELECT 1.
import pg from 'pg';

const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
await client.query('SELECT 1');
await client.end();
