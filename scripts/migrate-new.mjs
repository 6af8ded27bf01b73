#!/usr/bin/env node
// `npm run migrate:new -- <plane> <name>`: the next free version of that plane's registry, as a
// .postgres.sql + .sqlite.sql pair with a header comment (atlas-migrate new, on the plane's sql/ folder).
import { main, processIo } from '@atlasai/migrator-core/cli';
import { PLANES } from '@atlasai/planes';

const [plane, name, ...rest] = process.argv.slice(2);
const io = processIo();
const selected = PLANES.find((p) => p.registry.plane === plane);
if (selected === undefined || name === undefined || rest.length > 0) {
  io.stderr.write(`Usage: npm run migrate:new -- <${PLANES.map((p) => p.registry.plane).join('|')}> <snake_case_name>\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await main(['new', name, '--dir', selected.sqlDir], io);
}
