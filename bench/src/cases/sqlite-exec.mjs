// SQLite's own floor for an apply: the whole script in one exec, in one transaction.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

const db = new Database(process.argv[2]);
db.exec(`BEGIN;\n${readFileSync(process.argv[3], 'utf8')}\n;COMMIT;`);
db.close();
