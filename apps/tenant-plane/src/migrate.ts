// `pnpm turbo run migrate --filter=@atlasai/tenant-plane`: applies this plane's pending migrations.
import { fileURLToPath } from 'node:url';
import { processIo, runPlanesMain } from '@atlasai/migrator-core/cli';
import { tenantPlane } from './plane.js';

const dataDir = fileURLToPath(new URL('../../../data/', import.meta.url));
process.exitCode = await runPlanesMain([tenantPlane], process.argv.slice(2), processIo(), dataDir);
