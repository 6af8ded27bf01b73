#!/usr/bin/env node
// npm run migrate:verify [-- --plane control|tenant] [--json]: atlas-migrate's `verify` over the planes of
// packages/planes, read-only. A plane whose URL variable is unset uses its file under data/.
import { runOperatorCommand } from '@atlasai/planes';

process.exitCode = await runOperatorCommand('verify', process.argv.slice(2));
