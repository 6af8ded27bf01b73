#!/usr/bin/env node
// `pnpm migrate:new <plane> <name>`: the next free version of that plane's registry, as a
// .postgres.sql + .sqlite.sql pair with a header comment (atlas-migrate new, on the plane's sql/ folder).
import { fileURLToPath } from 'node:url';
import { main, processIo } from '@atlasai/migrator-core/cli';

const PLANES = { control: 'packages/control-migrations/sql', tenant: 'packages/tenant-migrations/sql' };
const [plane, name, ...rest] = process.argv.slice(2);
const io = processIo();
if (!(plane in PLANES) || name === undefined || rest.length > 0) {
  io.stderr.write(`Usage: pnpm migrate:new <${Object.keys(PLANES).join('|')}> <snake_case_name>\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await main(['new', name, '--dir', fileURLToPath(new URL(`../${PLANES[plane]}`, import.meta.url))], io);
}
