// The SQLite floor: open, SELECT 1, close.
import Database from 'better-sqlite3';

const db = new Database(process.argv[2]);
db.prepare('SELECT 1').get();
db.close();
