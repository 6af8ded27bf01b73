// The node floor: Node's boot, importing pg, connecting, SELECT 1; its in-process time is the connection's part.
import pg from 'pg';

const started = performance.now();
const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
await client.query('SELECT 1');
await client.end();
process.stdout.write(JSON.stringify({ inProcessMs: performance.now() - started }));
