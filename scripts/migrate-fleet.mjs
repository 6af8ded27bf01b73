#!/usr/bin/env node
// npm run migrate:fleet -- run|plan|scan|status|watch|pause|resume|retry|cancel: fleet migrations of every
// dedicated tenant database, from the Control Plane (CONTROL_PLANE_DATABASE_URL, PostgreSQL).
import { fleetMain } from '../packages/fleet/dist/cli/main.js';
import { dotenvForScript } from './dotenv.mjs';

// The repository root's .env, as every root script reads it (a variable already set, even empty, wins).
if (dotenvForScript() === null) process.exit(2);
const code = await fleetMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = code;
// Everything is closed by now; should a driver keep a handle open, the process still ends with its code.
setTimeout(() => process.exit(code), 5000).unref();
