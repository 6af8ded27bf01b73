#!/usr/bin/env node
// npm run migrate:verify [-- --plane control|tenant] [--json]: each plane's database against its
// registry's schema snapshot, read-only. A plane whose URL variable is unset uses its file under data/.
import { fileURLToPath } from 'node:url';
import { controlPlane } from '@atlasai/control-plane/plane';
import { tenantPlane } from '@atlasai/tenant-plane/plane';
import { runVerifyPlanesMain } from '@atlasai/migrator-core';
import { processIo } from '@atlasai/migrator-core/cli';

const dataDir = fileURLToPath(new URL('../data/', import.meta.url));
process.exitCode = await runVerifyPlanesMain([controlPlane, tenantPlane], process.argv.slice(2), processIo(), dataDir);
