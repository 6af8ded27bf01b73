#!/usr/bin/env node
// npm run migrate:verify [-- --plane control|tenant] [--json]: atlas-migrate's `verify` over the planes of
// packages/planes, read-only. A plane whose URL variable is unset uses its file under data/. The
// repository root's .env is read first (a variable already set wins).
import { dotenvForScript } from './dotenv.mjs';
import { runOperatorCommand } from '@atlasai/planes';

const dotenv = dotenvForScript();
process.exitCode = dotenv === null ? 2 : await runOperatorCommand('verify', process.argv.slice(2), { dotenv });
