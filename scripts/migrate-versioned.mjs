#!/usr/bin/env node
// The operator commands (npm run migrate:versioned[:tenant|:control|:dry-run], migrate:status): the
// control plane, then the tenant plane. A plane whose URL variable is unset uses its file under data/.
import { fileURLToPath } from 'node:url';
import { controlPlane } from '@atlasai/control-plane/plane';
import { tenantPlane } from '@atlasai/tenant-plane/plane';
import { processIo, runPlanesMain } from '@atlasai/migrator-core/cli';

const dataDir = fileURLToPath(new URL('../data/', import.meta.url));
process.exitCode = await runPlanesMain([controlPlane, tenantPlane], process.argv.slice(2), processIo(), dataDir);
