// `pnpm turbo run migrate --filter=@atlasai/control-plane`: applies this plane's pending migrations.
import { fileURLToPath } from 'node:url';
import { processIo, runPlanesMain } from '@atlasai/migrator-core/cli';
import { controlPlane } from './plane.js';

const dataDir = fileURLToPath(new URL('../../../data/', import.meta.url));
process.exitCode = await runPlanesMain([controlPlane], process.argv.slice(2), processIo(), dataDir);
