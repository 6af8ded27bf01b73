// The SQLite floor: open, SELECT 1, close; its in-process time is the database's part.
import Database from 'better-sqlite3';

const started = performance.now();
const db = new Database(process.argv[2]);
db.prepare('SELECT 1').get();
db.close();
process.stdout.write(JSON.stringify({ inProcessMs: performance.now() - started }));
