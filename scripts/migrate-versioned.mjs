#!/usr/bin/env node
// The operator commands (npm run migrate:versioned[:tenant|:control|:dry-run], migrate:plan, migrate:status):
// atlas-migrate's `up` over the planes of packages/planes, control then tenant. A plane whose URL variable
// is unset uses its file under data/.
import { runOperatorCommand } from '@atlasai/planes';

process.exitCode = await runOperatorCommand('migrate', process.argv.slice(2));
