#!/usr/bin/env node
// The operator commands (npm run migrate:versioned[:tenant|:control|:dry-run], migrate:plan, migrate:status):
// atlas-migrate's `up` over the planes of packages/planes, control then tenant. A plane whose URL variable
// is unset uses its file under data/. The repository root's .env is read first (a variable already set wins).
import { dotenvForScript } from './dotenv.mjs';
import { runOperatorCommand } from '@atlasai/planes';

const dotenv = dotenvForScript();
process.exitCode = dotenv === null ? 2 : await runOperatorCommand('migrate', process.argv.slice(2), { dotenv });
