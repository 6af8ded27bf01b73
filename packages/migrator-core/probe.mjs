import { loadModule, parseSync } from 'libpg-query';
await loadModule();
const sqls = process.argv.slice(2);
for (const s of sqls) { try { console.log(s, '\n', JSON.stringify(parseSync(s).stmts.map(x=>x.stmt))); } catch (e) { console.log('ERR', s, e.message); } }
